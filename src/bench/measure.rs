//! Repeated measurements reduced to a median and a spread (min, max): this
//! machine is noisy, so single timings are never reported.

use std::time::Instant;

/// The median and extremes of repeated measurements of one figure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    /// The median measurement.
    pub median: f64,
    /// The smallest measurement.
    pub min: f64,
    /// The largest measurement.
    pub max: f64,
    /// How many measurements were taken (after one warm-up).
    pub reps: usize,
}

impl Sample {
    /// Summarises `values` (at least one).
    pub fn from_values(mut values: Vec<f64>) -> Sample {
        assert!(!values.is_empty(), "a sample needs at least one value");
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = if n % 2 == 1 {
            values[n / 2]
        } else {
            (values[n / 2 - 1] + values[n / 2]) / 2.0
        };
        Sample {
            median,
            min: values[0],
            max: values[n - 1],
            reps: n,
        }
    }

    /// Applies `f` to every figure (e.g. to turn a time into a rate; a
    /// decreasing `f` swaps min and max).
    pub fn map(self, f: impl Fn(f64) -> f64) -> Sample {
        let (a, b) = (f(self.min), f(self.max));
        Sample {
            median: f(self.median),
            min: a.min(b),
            max: a.max(b),
            reps: self.reps,
        }
    }
}

/// Runs `measure` once to warm up, then `reps` times, and summarises what it
/// returns (each call measures one figure itself, e.g. ns per element).
pub fn repeat(reps: usize, mut measure: impl FnMut() -> f64) -> Sample {
    measure();
    Sample::from_values((0..reps.max(1)).map(|_| measure()).collect())
}

/// Nanoseconds per element of `elements` elements processed by `work`, timed
/// over `iters` calls.
pub fn ns_per_element(elements: u64, iters: u32, mut work: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        work();
    }
    start.elapsed().as_nanos() as f64 / (elements as f64 * iters as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_spread() {
        let s = Sample::from_values(vec![5.0, 1.0, 3.0]);
        assert_eq!((s.median, s.min, s.max, s.reps), (3.0, 1.0, 5.0, 3));
        assert_eq!(Sample::from_values(vec![4.0, 1.0, 2.0, 3.0]).median, 2.5);
        let rate = s.map(|ns| 1e9 / ns);
        assert_eq!((rate.min, rate.max), (2e8, 1e9));
    }
}
