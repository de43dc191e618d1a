//! The value axis of a chart: round tick steps (1, 2 or 5 times a power of ten) up to just
//! above the largest value, shared by the terminal chart and the SVG one (pure code).

/// An axis from 0 to `top` in steps of `step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scale {
    pub top: u64,
    pub step: u64,
}

impl Scale {
    /// The axis for values up to `max` with at most about `ticks` steps.
    pub(super) fn new(max: u64, ticks: u64) -> Scale {
        let ticks = ticks.max(1);
        let mut magnitude = 1u64;
        loop {
            for factor in [1, 2, 5] {
                let step = magnitude.saturating_mul(factor);
                if max.div_ceil(step) <= ticks || step == u64::MAX {
                    let top = max.div_ceil(step).max(1).saturating_mul(step);
                    return Scale { top, step };
                }
            }
            magnitude = magnitude.saturating_mul(10);
        }
    }

    /// The tick values, 0 first, `top` last.
    pub(super) fn ticks(&self) -> impl Iterator<Item = u64> + '_ {
        (0..=self.top / self.step).map(|index| index * self.step)
    }

    /// `value`'s share of the axis, from 0 to 1.
    pub(super) fn fraction(&self, value: u64) -> f64 {
        value as f64 / self.top as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_and_the_top_is_just_above_the_largest_value() {
        assert_eq!(
            Scale::new(1_234, 5),
            Scale {
                top: 1_500,
                step: 500
            }
        );
        assert_eq!(
            Scale::new(1_000, 5),
            Scale {
                top: 1_000,
                step: 200
            }
        );
        assert_eq!(Scale::new(7, 4), Scale { top: 8, step: 2 });
        assert_eq!(Scale::new(3, 10), Scale { top: 3, step: 1 });
        assert_eq!(Scale::new(0, 5), Scale { top: 1, step: 1 });
        let ticks: Vec<u64> = Scale::new(1_234, 5).ticks().collect();
        assert_eq!(ticks, [0, 500, 1_000, 1_500]);
        assert_eq!(Scale::new(40, 4).fraction(10), 0.25);
        assert!(Scale::new(u64::MAX, 5).top >= u64::MAX / 2);
    }
}
