//! The code under test's own assertions: [`ensure!`](crate::ensure) raises
//! a typed [`AssertionFailed`] payload, and std's `assert!` family is
//! recognised by its message, so a failed assertion in a user's program is
//! reported as [`ViolationKind::Assertion`](super::ViolationKind::Assertion)
//! with its message, not as a crash.

/// The payload of the panic [`ensure!`](crate::ensure) raises: the
/// assertion's message, with its file, line and condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionFailed(pub String);

impl std::fmt::Display for AssertionFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a condition in code under test, as `assert!` does, and fails with
/// an [`AssertionFailed`] payload every tier reports as an assertion
/// violation (message: `file:line: condition: your message`).
///
/// ```
/// # let balance = 1;
/// racelab::ensure!(balance >= 0, "balance went negative: {balance}");
/// racelab::ensure!(balance == 1);
/// ```
#[macro_export]
macro_rules! ensure {
    ($cond:expr $(,)?) => {
        if !$cond {
            ::std::panic::panic_any($crate::check::assertion::AssertionFailed(format!(
                "{}:{}: {}",
                file!(),
                line!(),
                stringify!($cond)
            )));
        }
    };
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            ::std::panic::panic_any($crate::check::assertion::AssertionFailed(format!(
                "{}:{}: {}: {}",
                file!(),
                line!(),
                stringify!($cond),
                format_args!($($arg)+)
            )));
        }
    };
}

/// The message of a failed std assertion (`assert!`, `assert_eq!`,
/// `assert_ne!`, their `debug_` forms), if `message` is one: std words them
/// "assertion failed: cond" and "assertion `left == right` failed".
pub fn std_assertion(message: &str) -> Option<&str> {
    let is = message.starts_with("assertion failed")
        || (message.starts_with("assertion `left ") && message.contains("` failed"));
    is.then_some(message)
}
