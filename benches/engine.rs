//! The engine benchmark: actions per second on the busy reference workload
//! (`mapi_logoff::workload`), with tracing on, through the bare engine and
//! through `Simulation::apply` (which also diffs the state for the
//! outcome). `npm run bench` runs this and the same workload in wasm.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use mapi_logoff::{NoTrace, Simulation, Trace, apply, workload};
use std::hint::black_box;

fn engine(c: &mut Criterion) {
    let scenario = workload::busy_scenario(200);
    let actions = workload::busy_actions(300);
    let (topology, initial) = scenario.build().expect("workload scenario is valid");
    let mut group = c.benchmark_group("busy workload");
    group.throughput(Throughput::Elements(actions.len() as u64));
    group.sample_size(30);

    group.bench_function("engine apply, trace on", |b| {
        b.iter_batched(
            || initial.clone(),
            |mut state| {
                let mut trace = Trace::new();
                for a in &actions {
                    black_box(apply(&topology, &scenario.settings, &mut state, &mut trace, a).expect("valid action"));
                }
                black_box(trace.len())
            },
            BatchSize::LargeInput,
        )
    });

    group.bench_function("engine apply, trace off", |b| {
        b.iter_batched(
            || initial.clone(),
            |mut state| {
                let mut trace = NoTrace;
                for a in &actions {
                    black_box(apply(&topology, &scenario.settings, &mut state, &mut trace, a).expect("valid action"));
                }
                state
            },
            BatchSize::LargeInput,
        )
    });

    group.bench_function("Simulation::apply (trace, outcome, state diff)", |b| {
        b.iter_batched(
            || Simulation::new(&scenario).expect("valid"),
            |mut sim| {
                for a in &actions {
                    black_box(sim.apply(*a).expect("valid action"));
                }
                sim
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// One outcome on a small and a large profile (10 and 10,000 queued
/// messages): `Simulation::apply` should cost the same on both.
fn outcome(c: &mut Criterion) {
    let mut group = c.benchmark_group("Simulation::apply, one AddRef");
    group.sample_size(30);
    for messages in [10, 10_000] {
        let mut template = Simulation::new(&workload::busy_scenario(messages)).expect("valid");
        template.apply(mapi_logoff::Action::AddRef { store: 0 }).expect("valid action");
        let mut sim = template.clone();
        group.bench_function(format!("{messages} messages"), |b| {
            b.iter(|| {
                // A simulation holds at most scenario::limits::ACTIONS
                // actions: start again well before (a fresh clone rebuilds
                // its outcome shadow once, spread over ~99,000 iterations).
                if sim.applied().len() >= mapi_logoff::scenario::limits::ACTIONS - 1_000 {
                    sim = template.clone();
                }
                black_box(sim.apply(mapi_logoff::Action::AddRef { store: 1 }).expect("valid action"));
            })
        });
    }
    group.finish();
}

/// RunUntilIdle at the documented limits (32 stores, 32 sessions) with N
/// and 10N queued messages: linear work shows as a ratio near 10.
fn run_until_idle(c: &mut Criterion) {
    let mut group = c.benchmark_group("runUntilIdle, 32 stores, 32 sessions");
    group.sample_size(10);
    for messages in [1_000, 10_000] {
        let scenario = workload::spooler_scenario(messages);
        let (topology, initial) = scenario.build().expect("workload scenario is valid");
        group.throughput(Throughput::Elements(messages as u64));
        group.bench_function(format!("{messages} messages"), |b| {
            b.iter_batched(
                || initial.clone(),
                |mut state| {
                    let mut trace = Trace::new();
                    black_box(
                        apply(&topology, &scenario.settings, &mut state, &mut trace, &mapi_logoff::Action::RunUntilIdle).expect("valid"),
                    );
                    black_box(trace.len())
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, engine, outcome, run_until_idle);
criterion_main!(benches);
