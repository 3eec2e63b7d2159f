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

#[cfg(test)]
mod tests {
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
