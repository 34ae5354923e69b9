//! A small deterministic PRNG (splitmix64): the same seed gives the same dataset, with no
//! dependency to build.

#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream derived from this one's seed and a label, so that adding draws
    /// to one part of the generator does not shift every other part.
    pub fn fork(&self, label: u64) -> Rng {
        let mut r = Rng(self.0 ^ label.wrapping_mul(0xA076_1D64_78BD_642F));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        debug_assert!(lo <= hi);
        let span = u64::try_from(hi - lo).unwrap_or(0) + 1;
        lo + ((u128::from(self.next_u64()) * u128::from(span)) >> 64) as i64
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// An item chosen with the given weights (same length as `items`).
    pub fn weighted<T: Copy>(&mut self, items: &[T], weights: &[u32]) -> T {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (item, w) in items.iter().zip(weights) {
            if r < *w {
                return *item;
            }
            r -= w;
        }
        items[items.len() - 1]
    }

    /// `k` distinct indices of `0..n`, in increasing order.
    pub fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut chosen: Vec<usize> = Vec::with_capacity(k);
        while chosen.len() < k {
            let i = self.below(n);
            if !chosen.contains(&i) {
                chosen.push(i);
            }
        }
        chosen.sort_unstable();
        chosen
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
        out
    }
}

/// `n` counts in `lo..=hi` that add up to `total` (as nearly as the bounds allow): random
/// starting values, then random single steps towards the total.
pub fn distribute(rng: &mut Rng, total: usize, n: usize, lo: usize, hi: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let hi = hi.max(lo);
    let mut counts: Vec<usize> = (0..n)
        .map(|_| rng.range(lo as i64, hi as i64) as usize)
        .collect();
    let target = total.clamp(lo * n, hi * n);
    let mut sum: usize = counts.iter().sum();
    while sum != target {
        let i = rng.below(n);
        if sum < target && counts[i] < hi {
            counts[i] += 1;
            sum += 1;
        } else if sum > target && counts[i] > lo {
            counts[i] -= 1;
            sum -= 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_distribute_hits_the_total() {
        let a: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        let b: Vec<u64> = (0..5)
            .map({
                let mut r = Rng::new(7);
                move |_| r.next_u64()
            })
            .collect();
        assert_eq!(a, b);
        let mut r = Rng::new(1);
        let counts = distribute(&mut r, 1000, 37, 5, 60);
        assert_eq!(counts.iter().sum::<usize>(), 1000);
        assert!(counts.iter().all(|c| (5..=60).contains(c)));
    }
}
