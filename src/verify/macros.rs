//! The macros that make a check from a user's generic code: each names
//! the code once and instantiates it on the three backends (loom, std,
//! shuttle), because a generic type or function cannot be passed
//! uninstantiated.

/// The check of a concurrent program written against the facade
/// ([`crate::sync`]), with its own assertions ([`ensure!`](crate::ensure) or
/// `assert!`): `program!(|B| { ... })`, where `B` is the backend, or
/// `program!(my_fn)` for a `fn my_fn<B: Backend>()`. See [`crate::verify`].
#[macro_export]
macro_rules! program {
    (|$b:ident| $body:block) => {{
        fn __racelab_program<$b: $crate::sync::Backend>() $body
        $crate::program!(@check concat!(file!(), ":", line!()), __racelab_program)
    }};
    ($f:ident) => {
        $crate::program!(@check stringify!($f), $f)
    };
    (@check $subject:expr, $f:ident) => {
        $crate::verify::program::check(
            $subject,
            "program",
            $crate::verify::program::forms_of(
                $f::<$crate::sync::Loom>,
                $f::<$crate::sync::Std>,
                $f::<$crate::sync::Shuttle>,
            ),
        )
    };
}

/// A model implementation's forms on loom, threads and shuttle (no process
/// form): `__forms!(counter, Impl)` for a type alias `Impl<B>`. The
/// built-in pairs ([`crate::matrix`]) are made with it too.
#[doc(hidden)]
#[macro_export]
macro_rules! __forms {
    ($model:ident, $impl:ident, $process:expr) => {
        $crate::matrix::ModelForms::threaded(
            $crate::workload::$model::form::<$crate::sync::Loom, $impl<$crate::sync::Loom>>(),
            $crate::workload::$model::form::<$crate::sync::Std, $impl<$crate::sync::Std>>(),
            $crate::workload::$model::form::<$crate::sync::Shuttle, $impl<$crate::sync::Shuttle>>(),
            $process,
        )
    };
}

/// The check of a counter ([`CounterImpl`](crate::model::counter::CounterImpl)):
/// `counter!(MyCounter)` for a `MyCounter<B>`, or `counter!(|B| Ty<B, ..>)`.
#[macro_export]
macro_rules! counter {
    (|$b:ident| $ty:ty) => {
        $crate::counter!(@named stringify!($ty), |$b| $ty)
    };
    ($t:ident) => {
        $crate::counter!(@named stringify!($t), |B| $t<B>)
    };
    (@named $subject:expr, |$b:ident| $ty:ty) => {{
        type __RacelabImpl<$b> = $ty;
        $crate::verify::model::check($subject, $crate::__forms!(counter, __RacelabImpl, None))
    }};
}

/// The check of a ticket office ([`TicketsImpl`](crate::model::tickets::TicketsImpl)):
/// `office!(MyOffice)` for a `MyOffice<B>`, or `office!(|B| Ty<B, ..>)`.
#[macro_export]
macro_rules! office {
    (|$b:ident| $ty:ty) => {
        $crate::office!(@named stringify!($ty), |$b| $ty)
    };
    ($t:ident) => {
        $crate::office!(@named stringify!($t), |B| $t<B>)
    };
    (@named $subject:expr, |$b:ident| $ty:ty) => {{
        type __RacelabImpl<$b> = $ty;
        $crate::verify::model::check($subject, $crate::__forms!(tickets, __RacelabImpl, None))
    }};
}

/// The check of a bounded queue ([`QueueImpl`](crate::model::queue::QueueImpl)):
/// `queue!(MyQueue)` for a `MyQueue<B, T>`, or `queue!(|B| Ty<B, ..>)` with
/// the item type [`Msg`](crate::workload::queue::Msg).
#[macro_export]
macro_rules! queue {
    (|$b:ident| $ty:ty) => {
        $crate::queue!(@named stringify!($ty), |$b| $ty)
    };
    ($t:ident) => {
        $crate::queue!(@named stringify!($t), |B| $t<B, $crate::workload::queue::Msg>)
    };
    (@named $subject:expr, |$b:ident| $ty:ty) => {{
        type __RacelabImpl<$b> = $ty;
        $crate::verify::model::check($subject, $crate::__forms!(queue, __RacelabImpl, None))
    }};
}

/// The check of a thread lock in `lock_api`'s raw shape
/// ([`RawLock`](crate::lock::RawLock)): the exclusion program, and the lock
/// inside the counter and the ticket office. `lock!(MyLock)` for a
/// `MyLock<B>`, or `lock!(|B| Ty<B, ..>)`.
#[macro_export]
macro_rules! lock {
    (|$b:ident| $ty:ty) => {
        $crate::lock!(@named stringify!($ty), |$b| $ty)
    };
    ($t:ident) => {
        $crate::lock!(@named stringify!($t), |B| $t<B>)
    };
    (@named $subject:expr, |$b:ident| $ty:ty) => {{
        type __RacelabLock<$b> = $ty;
        type __RacelabCounter<X> =
            $crate::model::counter::LockedCounter<X, $crate::lock::Raw<__RacelabLock<X>>>;
        type __RacelabOffice<X> =
            $crate::model::tickets::LockedOffice<X, $crate::lock::Raw<__RacelabLock<X>>>;
        $crate::verify::lock::check(
            $subject,
            $crate::verify::lock::LockForms {
                exclusion: $crate::verify::program::forms_of(
                    $crate::verify::lock::exclusion::<$crate::sync::Loom, __RacelabLock<$crate::sync::Loom>>,
                    $crate::verify::lock::exclusion::<$crate::sync::Std, __RacelabLock<$crate::sync::Std>>,
                    $crate::verify::lock::exclusion::<$crate::sync::Shuttle, __RacelabLock<$crate::sync::Shuttle>>,
                ),
                counter: $crate::__forms!(counter, __RacelabCounter, None),
                tickets: $crate::__forms!(tickets, __RacelabOffice, None),
            },
        )
    }};
}
