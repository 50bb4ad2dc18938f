//! The trace checker benchmark: lines per second on the checker's workload
//! (`mapi_logoff::check::workload`: a valid trace of a long-running spooler
//! in which every logon cycle names fresh objects), at 100,000 and
//! 1,000,000 lines. The text is fed in 64 KiB chunks of bytes, as the CLI
//! reads a file. Ten times the lines should take ten times as long: the
//! ratio of the two medians shows growth that a rate alone hides.
//! `npm run bench` runs this and checks the same 1,000,000-line file with
//! the wasm module and the CLI (bench/check-wasm.mjs).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mapi_logoff::check::{Checker, workload};
use std::hint::black_box;
use std::time::Duration;

/// The sizes benchmarked; scripts/bench.sh reads them from here.
const SIZES: [u64; 2] = [100_000, 1_000_000];

fn check(c: &mut Criterion) {
    let mut group = c.benchmark_group("check");
    group.sample_size(10).warm_up_time(Duration::from_secs(2)).measurement_time(Duration::from_secs(15));
    for lines in SIZES {
        let text = workload::trace(lines);
        group.throughput(Throughput::Elements(lines));
        group.bench_with_input(BenchmarkId::new("fresh objects per cycle", lines), &text, |b, text| {
            b.iter(|| {
                let mut checker = Checker::new();
                for chunk in text.as_bytes().chunks(64 * 1024) {
                    checker.push_bytes(chunk);
                }
                let report = checker.finish();
                assert_eq!((report.lines, report.errors), (lines, 0));
                black_box(report)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
