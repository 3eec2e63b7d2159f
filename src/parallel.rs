//! Order-preserving work over all cores, for the independent pieces of a
//! build: files to parse, hosts to render, trees to write.

/// `f` over every item, in contiguous chunks on up to one thread per core;
/// results in item order. Small inputs (`parallel == false`) stay on this
/// thread: starting threads would cost more than it saves.
pub fn map<T: Sync, R: Send>(items: &[T], parallel: bool, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8)
        .min(items.len());
    if !parallel || threads <= 1 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// `f` over every item on up to `workers` threads, each taking the next
/// item when it is free: for work that waits (on hosts over SSH) rather
/// than computes. Results in item order.
pub fn each<T: Sync, R: Send>(items: &[T], workers: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = workers.clamp(1, items.len().max(1));
    if workers == 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break out };
                        out.push((i, f(item)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_keeps_order_and_runs_items_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let items: Vec<u64> = (0..8).collect();
        let (active, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let out = super::each(&items, 8, |x| {
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(100));
            active.fetch_sub(1, Ordering::SeqCst);
            x * 2
        });
        assert_eq!(out, vec![0, 2, 4, 6, 8, 10, 12, 14]);
        // Items waited side by side, not one after another.
        assert!(most.load(Ordering::SeqCst) > 1);
        assert_eq!(super::each(&items[..0], 4, |x| *x), Vec::<u64>::new());
    }

    #[test]
    fn keeps_order_and_covers_every_item() {
        let items: Vec<u32> = (0..1001).collect();
        assert_eq!(
            super::map(&items, true, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
        assert_eq!(super::map(&items[..0], true, |x| *x), Vec::<u32>::new());
        assert_eq!(super::map(&items[..1], true, |x| *x), vec![0]);
    }
}
