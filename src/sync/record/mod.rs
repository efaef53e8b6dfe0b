//! What every facade operation tells the checker, without a probe call in
//! the code under test.
//!
//! Each operation of the facade (every atomic method, `fence`, the locks,
//! their unlocks, the condition variable, `spawn`, `join`, the spin hint)
//! goes through [`around`]: the kind of operation, the object it works on
//! (its address) and, after the call, what it read or wrote. Who listens
//! depends on the backend:
//! - loom and shuttle run every thread of an execution on one OS thread, so
//!   one per-execution [`log`] on that thread holds the steps of all of
//!   them, read back by [`execution_steps`];
//! - on real threads ([`Std`](super::Std)) the threads tier installs a
//!   per-round [`round::Recording`]: each facade thread writes a slot of its
//!   own (operations done, the one in progress, locks held, its last steps),
//!   which the watchdog reads; [`perturb`] may delay the thread at each
//!   operation. With no recording installed every operation costs one
//!   thread-local branch.

pub(crate) mod log;
pub mod perturb;
pub(crate) mod round;
pub(crate) mod text;

pub(crate) use log::execution_steps;
pub(crate) use text::ordering_code;

use super::Backend;

/// The kind of a facade operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Op {
    Load = 1,
    Store,
    Swap,
    Cas,
    FetchAdd,
    FetchSub,
    FetchOr,
    FetchAnd,
    FetchXor,
    FetchMax,
    FetchMin,
    Fence,
    Lock,
    TryLock,
    Unlock,
    Read,
    Write,
    TryRead,
    TryWrite,
    ReadUnlock,
    WriteUnlock,
    Wait,
    WaitTimeout,
    Woke,
    NotifyOne,
    NotifyAll,
    Spawn,
    Join,
    Spin,
}

impl Op {
    const ALL: [Op; 29] = [
        Op::Load,
        Op::Store,
        Op::Swap,
        Op::Cas,
        Op::FetchAdd,
        Op::FetchSub,
        Op::FetchOr,
        Op::FetchAnd,
        Op::FetchXor,
        Op::FetchMax,
        Op::FetchMin,
        Op::Fence,
        Op::Lock,
        Op::TryLock,
        Op::Unlock,
        Op::Read,
        Op::Write,
        Op::TryRead,
        Op::TryWrite,
        Op::ReadUnlock,
        Op::WriteUnlock,
        Op::Wait,
        Op::WaitTimeout,
        Op::Woke,
        Op::NotifyOne,
        Op::NotifyAll,
        Op::Spawn,
        Op::Join,
        Op::Spin,
    ];

    pub(crate) fn from_code(code: u8) -> Option<Op> {
        Op::ALL.get(usize::from(code).wrapping_sub(1)).copied()
    }

    /// The kind of object it works on, which names the object in a trace.
    pub(crate) fn object(self) -> Object {
        match self {
            Op::Fence | Op::Spin => Object::None,
            Op::Lock | Op::TryLock | Op::Unlock => Object::Mutex,
            Op::Read
            | Op::Write
            | Op::TryRead
            | Op::TryWrite
            | Op::ReadUnlock
            | Op::WriteUnlock => Object::RwLock,
            Op::Wait | Op::WaitTimeout | Op::Woke | Op::NotifyOne | Op::NotifyAll => {
                Object::Condvar
            }
            Op::Spawn | Op::Join => Object::Thread,
            _ => Object::Atomic,
        }
    }

    /// Blocks until another thread acts, with no timeout: a thread in one
    /// of these is stuck for good if every other one is too.
    pub(crate) fn blocks(self) -> bool {
        matches!(self, Op::Lock | Op::Read | Op::Write | Op::Wait | Op::Join)
    }

    /// Takes a lock (when it succeeds).
    fn acquires(self) -> bool {
        matches!(
            self,
            Op::Lock | Op::TryLock | Op::Read | Op::Write | Op::TryRead | Op::TryWrite
        )
    }
}

/// What a facade operation works on: how its object is named in a trace
/// (`a0`, `m1`, `rw0`, `c2`; a thread by its label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Object {
    None,
    Atomic,
    Mutex,
    RwLock,
    Condvar,
    Thread,
}

impl Object {
    fn prefix(self) -> &'static str {
        match self {
            Object::Atomic => "a",
            Object::Mutex => "m",
            Object::RwLock => "rw",
            Object::Condvar => "c",
            Object::None | Object::Thread => "",
        }
    }
}

/// A value that does not fit an `i64` (a large `u64`, a pointer): printed
/// as `?`, never compared.
pub(crate) const OPAQUE: i64 = i64::MIN;

/// One completed facade operation, as recorded: compact, so that recording
/// costs a copy; [`text`] turns it into words when a trace is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Raw {
    pub(crate) op: Op,
    /// The object's address (a thread: its index).
    pub(crate) object: usize,
    /// The operand: a store's or RMW's value, a CAS's expected value, a
    /// fence's ordering.
    pub(crate) arg: i64,
    /// A CAS's new value.
    pub(crate) arg2: i64,
    /// The value read (loads, RMWs, a failed CAS), or [`OPAQUE`].
    pub(crate) value: i64,
    /// A CAS, try-lock or timed wait succeeded (for a timed wait: woke
    /// before the timeout).
    pub(crate) ok: bool,
}

impl Raw {
    pub(crate) fn new(op: Op, object: usize) -> Self {
        Raw {
            op,
            object,
            arg: OPAQUE,
            arg2: OPAQUE,
            value: OPAQUE,
            ok: true,
        }
    }

    /// Changed the state another thread can see: a store, a successful
    /// RMW, a lock taken or released, a notify, a wait or join returned, a
    /// spawn. Loads, failed CAS and try-locks and spins are not progress:
    /// a thread that only does those is spinning.
    pub(crate) fn progresses(&self) -> bool {
        match self.op {
            Op::Load | Op::Fence | Op::Spin => false,
            // A timed wait that timed out is a poll, not progress.
            Op::Cas | Op::TryLock | Op::TryRead | Op::TryWrite | Op::Woke => self.ok,
            _ => true,
        }
    }
}

/// An operand or result as a recorded value: `i64` where it fits.
pub(crate) trait Value: Copy {
    fn recorded(self) -> i64;
}

macro_rules! value_fits {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn recorded(self) -> i64 {
                i64::try_from(self).unwrap_or(OPAQUE)
            }
        }
    )*};
}
value_fits!(usize, i64, u32, u64);

impl Value for bool {
    fn recorded(self) -> i64 {
        i64::from(self)
    }
}

impl<T> Value for *mut T {
    /// A pointer's address means nothing in a trace: null or not.
    fn recorded(self) -> i64 {
        if self.is_null() { 0 } else { OPAQUE }
    }
}

/// Runs one facade operation `op` on `object` (an address), telling the
/// listeners of backend `B`: `call` does it, `after` fills in what it read
/// or wrote.
#[inline]
pub(crate) fn around<B: Backend, R>(
    op: Op,
    object: usize,
    call: impl FnOnce() -> R,
    after: impl FnOnce(&R, &mut Raw),
) -> R {
    if B::SHARED_OS_THREAD {
        let result = call();
        log::push(B::thread_index, || {
            let mut raw = Raw::new(op, object);
            after(&result, &mut raw);
            raw
        });
        result
    } else {
        round::around(op, object, call, after)
    }
}

/// A condition-variable wait on `condvar` (`op`: `Wait` or
/// `WaitTimeout`) that lets `mutex` go while it sleeps: two steps, `wait c0`
/// before and `woke c0` after (`timed_out` reads the result).
#[inline]
pub(crate) fn wait<B: Backend, R>(
    op: Op,
    condvar: usize,
    mutex: usize,
    call: impl FnOnce() -> R,
    timed_out: impl FnOnce(&R) -> bool,
) -> R {
    if B::SHARED_OS_THREAD {
        log::push(B::thread_index, || Raw::new(op, condvar));
        let result = call();
        log::push(B::thread_index, || {
            let mut woke = Raw::new(Op::Woke, condvar);
            woke.ok = !timed_out(&result);
            woke
        });
        result
    } else {
        round::wait(op, condvar, mutex, call, timed_out)
    }
}

/// An atomic operation: `arg` and `arg2` its operands, `read` the value it
/// returns (a CAS: `Ok` or `Err` with the value found).
#[inline]
pub(crate) fn atomic<B: Backend, R>(
    op: Op,
    object: usize,
    arg: i64,
    arg2: i64,
    call: impl FnOnce() -> R,
) -> R
where
    R: Outcome,
{
    around::<B, R>(op, object, call, |result, raw| {
        raw.arg = arg;
        raw.arg2 = arg2;
        let (value, ok) = result.outcome();
        raw.value = value;
        raw.ok = ok;
    })
}

/// What an atomic method returned, as a recorded value and success flag.
pub(crate) trait Outcome {
    fn outcome(&self) -> (i64, bool);
}

impl Outcome for () {
    fn outcome(&self) -> (i64, bool) {
        (OPAQUE, true)
    }
}

impl<V: Value> Outcome for Result<V, V> {
    fn outcome(&self) -> (i64, bool) {
        match self {
            Ok(v) => (v.recorded(), true),
            Err(v) => (v.recorded(), false),
        }
    }
}

macro_rules! outcome_value {
    ($($t:ty),*) => {$(
        impl Outcome for $t {
            fn outcome(&self) -> (i64, bool) {
                (self.recorded(), true)
            }
        }
    )*};
}
outcome_value!(usize, i64, u32, u64, bool);

impl<T> Outcome for *mut T {
    fn outcome(&self) -> (i64, bool) {
        (self.recorded(), true)
    }
}

/// The address of `x`: what names an object in the records.
pub(crate) fn address<T: ?Sized>(x: &T) -> usize {
    (x as *const T).cast::<()>() as usize
}

/// Does the op take a lock when it succeeds?
pub(crate) fn acquires(op: Op) -> bool {
    op.acquires()
}
