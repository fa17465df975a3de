//! Long per-row loops shared with a second thread.
//!
//! A large import spends a good part of its time in work done row by row,
//! each row on its own (text repair, names put in canonical form): that
//! work is cut in chunks that this thread and a scoped second thread take
//! in turn from a shared counter, when there are enough rows to pay for
//! the thread. The chunks' results are put back in order: the results are
//! those of one loop over all rows. Taking chunks rather than halves keeps
//! this thread from waiting on a second thread that a busy machine runs
//! late: it takes the chunks the other has not reached. A panic in the
//! second thread is raised again in the caller, as one thread would have
//! raised it.

use std::ops::Range;
use std::panic::resume_unwind;
use std::sync::atomic::{AtomicUsize, Ordering};

/// From this many items on, a loop is shared with a second thread.
pub(crate) const SPLIT_FROM: usize = 4096;

/// Items in a chunk.
const CHUNK: usize = 512;

/// `f` on the items `0..len`: on the whole range, or from [`SPLIT_FROM`]
/// items on, on chunks of it taken by two threads; the results in the
/// order of the chunks.
pub(crate) fn map_chunks<T: Send>(len: usize, f: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    if len < SPLIT_FROM {
        return vec![f(0..len)];
    }
    let chunks = len.div_ceil(CHUNK);
    let next = AtomicUsize::new(0);
    // Takes chunks until there are none left.
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= chunks {
                return done;
            }
            let start = i * CHUNK;
            done.push((i, f(start..len.min(start + CHUNK))));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let helper = std::thread::Builder::new().spawn_scoped(scope, work);
        let mut done = work();
        // Without a second thread this one took every chunk.
        if let Ok(helper) = helper {
            done.extend(helper.join().unwrap_or_else(|panic| resume_unwind(panic)));
        }
        done
    });
    done.sort_unstable_by_key(|&(i, _)| i);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_come_back_in_order_and_cover_every_item() {
        for len in [0, 1, SPLIT_FROM - 1, SPLIT_FROM, 10 * CHUNK + 3, 100_000] {
            let parts = map_chunks(len, |range| range.collect::<Vec<_>>());
            let items: Vec<usize> = parts.into_iter().flatten().collect();
            assert_eq!(items, (0..len).collect::<Vec<_>>(), "{len}");
        }
    }
}
