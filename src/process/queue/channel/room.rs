//! Room: how many bytes a channel lets be in flight (written and not yet
//! read, counted in shared memory by every writer and reader).
//!
//! The kernel bounds each channel, but not always in a way a queue can
//! use: a pipe frees a page only once all of it is read, and a TCP reader's
//! read does not reopen the writer's window by one frame. So for those the
//! channel keeps its own bound ([`Transport::budget`]): a pipe keeps one
//! page in reserve, which makes every record below the bound fit (a get
//! always makes room for a put), and TCP takes at most
//! [`TCP_BUDGET`](super::TCP_BUDGET) bytes. A frame larger than the bound
//! goes alone, in pieces, as the reader makes room.
//!
//! [`Transport::budget`]: super::Transport::budget

use super::PIPE_BUF;

/// The system's page size in bytes.
pub fn page_size() -> usize {
    // SAFETY: sysconf only reads a configuration value.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(page).unwrap_or(4096).max(1)
}

/// How many bytes of `record`-sized records a pipe of `pipe` bytes takes
/// whole, keeping one page in reserve (0: not even one record).
///
/// Linux keeps a pipe as a ring of pages and frees a page only once all of
/// it was read. A record up to PIPE_BUF never straddles two pages, so with
/// one page's worth of bytes kept free some page always has room. A larger
/// record starts in a fresh page or the end of the last one and takes up
/// to `ceil(record / page) + 1` pages.
pub fn pipe_room(pipe: usize, page: usize, record: usize) -> usize {
    let pages = pipe / page;
    if pages < 2 || record == 0 {
        return 0;
    }
    if record <= PIPE_BUF && record <= page {
        (pages - 1) * (page / record) * record
    } else {
        (pages - 1) / (record.div_ceil(page) + 1) * record
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::queue::channel::LARGE_RECORD;

    #[test]
    fn small_records_keep_one_page_of_the_pipe_free() {
        assert_eq!(pipe_room(16 * 1024, 4096, 8), 12 * 1024);
        assert_eq!(pipe_room(4096, 4096, 8), 0);
    }

    #[test]
    fn large_records_are_counted_by_the_pages_they_may_take() {
        // 32 pages; a record of 8200 bytes may take 4 of them.
        assert_eq!(pipe_room(128 * 1024, 4096, LARGE_RECORD), 7 * LARGE_RECORD);
        // One page: no record fits whole, they go in pieces.
        assert_eq!(pipe_room(4096, 4096, LARGE_RECORD), 0);
    }
}
