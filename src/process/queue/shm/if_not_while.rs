//! `shm-if` (broken; a negative control, caught every run): the locked
//! ring with `if` instead of `while` around each wait, and `notify_all`
//! (broadcast) after each put and get, as the course behind
//! docs/scenarios.md §4 wrote its producer/consumer queue.
//!
//! A woken consumer does not look again: another consumer woken by the
//! same broadcast may have taken the item first, and it pops an empty ring
//! (it panics with the thread model's "pop from empty queue").
//!
//! The race window lets the first put in only once both consumers are
//! asleep: its broadcast wakes both, one takes the item, and the other,
//! not looking again, pops an empty ring. Later puts wait until both have
//! woken, so no second item hides the empty pop.

use super::locked::Discipline;
use crate::os::window::WindowCell;
use crate::process::queue::WINDOW;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

/// `if` instead of `while`, and a broadcast for every change.
pub struct IfNotWhile;

/// The `if` window, in the queue's mapping.
#[repr(C)]
#[derive(Default)]
pub struct IfWindow {
    /// Inside: consumers asleep in the window.
    cell: WindowCell,
    /// 1 once the first put has claimed its turn.
    turn: AtomicU32,
    /// Consumers woken from the window.
    woken: AtomicU32,
}

impl Discipline for IfNotWhile {
    type Window = IfWindow;
    const LOOK_AGAIN: bool = false;
    const WAKE_ALL: bool = true;

    /// The first put waits until both consumers are asleep; the others
    /// until both have woken (or the window's bound passed: then they
    /// close it).
    fn before_put(w: &IfWindow) {
        if !w.cell.is_open() {
            return;
        }
        let _waiting = crate::os::progress::in_window();
        if w.turn.swap(1, SeqCst) == 0 {
            w.cell.wait(WINDOW, || w.cell.inside() >= 2);
        } else if !w.cell.wait(WINDOW, || false) {
            w.cell.close();
        }
    }

    fn get_sleeps(w: &IfWindow) -> bool {
        if !w.cell.is_open() {
            return false;
        }
        w.cell.enter();
        true
    }

    /// The second consumer woken closes the window.
    fn get_woke(w: &IfWindow) {
        if w.woken.fetch_add(1, SeqCst) + 1 >= 2 {
            w.cell.close();
        }
    }
}
