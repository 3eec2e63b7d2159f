//! Processes, read from /proc, and killed: for the tests that kill an
//! apply part-way.

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, signal: i32) -> i32;
}

/// SIGKILLs `pid`, a process the test started (or one of its children).
pub fn kill(pid: u32) {
    // SAFETY: plain kill(2), no memory is shared.
    unsafe { libc_kill(i32::try_from(pid).unwrap(), 9) };
}

/// Every process's pid and the contents of its `/proc/PID/<file>`.
pub fn proc_files(file: &str) -> impl Iterator<Item = (u32, Vec<u8>)> + '_ {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(move |e| {
            let pid = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((pid, std::fs::read(e.path().join(file)).ok()?))
        })
}

/// Processes whose argv `pick` accepts, from /proc.
pub fn processes(pick: impl Fn(&[String]) -> bool) -> Vec<u32> {
    proc_files("cmdline")
        .filter(|(_, cmdline)| {
            let argv: Vec<String> = cmdline
                .split(|b| *b == 0)
                .filter(|a| !a.is_empty())
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            pick(&argv)
        })
        .map(|(pid, _)| pid)
        .collect()
}

/// The direct children of `parent` (the ssh clients of an infrac run).
pub fn children_of(parent: u32) -> Vec<u32> {
    proc_files("stat")
        .filter(|(_, stat)| {
            // pid (comm) state ppid …; comm may hold spaces, so after the `)`.
            let stat = String::from_utf8_lossy(stat);
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            ppid == Some(parent)
        })
        .map(|(pid, _)| pid)
        .collect()
}
