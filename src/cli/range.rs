//! Argument parsers that state what they accept. A number outside its
//! range, a sign where none belongs, an overflow, NaN, an infinity, text
//! that is not UTF-8 or is too long: each is refused while parsing, before
//! any work starts, with a message that gives the range.
//!
//! Each range is also written in the argument's help text, as
//! `(LOW to HIGH` (`(0.0 to 3600.0` where fractions are allowed);
//! `tests/cli_hostile.rs` reads it there and checks the two agree.

use clap::builder::{PossibleValue, TypedValueParser};
use clap::{Arg, Command};
use std::ffi::OsStr;
use std::marker::PhantomData;

/// Text arguments (names) longer than this are refused.
pub const MAX_TEXT: usize = 256;

/// A whole number from `lo` to `hi`, delivered as `T`.
pub struct Whole<T> {
    lo: u64,
    hi: u64,
    into: PhantomData<fn() -> T>,
}

impl<T> Clone for Whole<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Whole<T> {}

/// Whole numbers from `lo` to `hi`; `T` must hold `hi`.
pub const fn whole<T>(lo: u64, hi: u64) -> Whole<T> {
    Whole {
        lo,
        hi,
        into: PhantomData,
    }
}

impl<T> TypedValueParser for Whole<T>
where
    T: TryFrom<u64> + Clone + Send + Sync + 'static,
{
    type Value = T;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<T, clap::Error> {
        let (lo, hi) = (self.lo, self.hi);
        let check = move |s: &str| -> Result<T, String> {
            s.parse::<u64>()
                .ok()
                .filter(|v| (lo..=hi).contains(v))
                .and_then(|v| T::try_from(v).ok())
                .ok_or_else(|| format!("expected a whole number from {lo} to {hi}"))
        };
        check.parse_ref(cmd, arg, OsStr::new(&*value.to_string_lossy()))
    }
}

/// Seconds: a finite number from 0 to `hi`.
#[derive(Clone, Copy)]
pub struct Seconds {
    hi: u32,
}

pub const fn seconds(hi: u32) -> Seconds {
    Seconds { hi }
}

impl TypedValueParser for Seconds {
    type Value = f64;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<f64, clap::Error> {
        let hi = self.hi;
        let check = move |s: &str| -> Result<f64, String> {
            s.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && (0.0..=f64::from(hi)).contains(v))
                .ok_or_else(|| format!("expected seconds from 0.0 to {hi}.0 (a finite number)"))
        };
        check.parse_ref(cmd, arg, OsStr::new(&*value.to_string_lossy()))
    }
}

/// `P`, on UTF-8 text of at most [`MAX_TEXT`] bytes; anything else is
/// refused with an error that names the argument (clap's own names none
/// for bytes that are not UTF-8).
#[derive(Clone)]
pub struct Text<P>(P);

pub fn text<P: TypedValueParser>(inner: P) -> Text<P> {
    Text(inner)
}

impl<P: TypedValueParser> TypedValueParser for Text<P> {
    type Value = P::Value;

    fn parse_ref(
        &self,
        cmd: &Command,
        arg: Option<&Arg>,
        value: &OsStr,
    ) -> Result<P::Value, clap::Error> {
        let refused = match value.to_str() {
            None => "expected UTF-8 text".to_string(),
            Some(s) if s.len() > MAX_TEXT => format!("expected at most {MAX_TEXT} bytes"),
            Some(_) => return self.0.parse_ref(cmd, arg, value),
        };
        let refuse = move |_: &str| -> Result<P::Value, String> { Err(refused.clone()) };
        refuse.parse_ref(cmd, arg, OsStr::new(&*value.to_string_lossy()))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        self.0.possible_values()
    }
}
