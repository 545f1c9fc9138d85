//! `snapshot::writer::write_replicated` (the big-snapshot maker of `benches/replicate.rs`): K
//! copies of a real heap under one root load back as K times the source — node and edge counts,
//! every object's retained size and distance in every copy, the Summary's totals — as computed by
//! the analysis of the source and of the file read back, never by the writer.

use heapscope::analysis::Analysis;
use heapscope::progress::NoProgress;
use heapscope::snapshot::{self, writer};

fn sample(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-snapshots").join(name)
}

#[test]
fn three_copies_load_as_three_times_the_source() {
    let source = snapshot::read_file(&sample("s1.heapsnapshot.gz"), &NoProgress).expect("sample loads");
    let (nodes, edges, root) = (source.node_count() as u64, source.edge_count() as u64, source.root());
    let mut bytes = Vec::new();
    writer::write_replicated(&source, 3, &mut bytes).expect("written");
    let copies = snapshot::read_from(&bytes[..], Some(bytes.len() as u64), &NoProgress).expect("the copies load");
    assert_eq!(copies.node_count() as u64, nodes + 2 * (nodes - 1));
    assert_eq!(copies.edge_count() as u64, 3 * edges);
    // Ids stay unique.
    let mut ids: Vec<u32> = (0..copies.node_count() as u32).map(|n| copies.node_id(n)).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), copies.node_count());

    let one = Analysis::run(source, &NoProgress).expect("analysis");
    let three = Analysis::run(copies, &NoProgress).expect("analysis of the copies");
    // Every copy of every object keeps its retained size and distance; copy k's node n is at
    // N + (k - 1)(N - 1) + n, less one past the root (the layout write_replicated documents).
    let at = |copy: u64, n: u64| {
        if copy == 0 { n } else { nodes + (copy - 1) * (nodes - 1) + n - u64::from(n > u64::from(root)) }
    };
    for copy in 0..3 {
        for n in (0..nodes).filter(|&n| n != u64::from(root)) {
            let m = at(copy, n) as usize;
            assert_eq!(three.retained_size[m], one.retained_size[n as usize], "copy {copy}, node {n}");
            assert_eq!(three.distance[m], one.distance[n as usize], "copy {copy}, node {n}");
            assert_eq!(three.snapshot.node_id(m as u32) % 2, one.snapshot.node_id(n as u32) % 2);
        }
    }
    assert_eq!(three.retained_size[root as usize], 3 * one.retained_size[root as usize]);
    // The Summary over all classes: three times the objects and their sizes. (Not class by class:
    // DevTools names a class by an object shape only once enough objects share it, so three
    // times the objects can name more shapes.)
    let total = |a: &Analysis| {
        a.aggregates.rows.iter().fold((0u64, 0u64), |(c, s), r| (c + u64::from(r.count), s + r.self_size))
    };
    let ((count, size), (count3, size3)) = (total(&one), total(&three));
    // The root is there once, and a row counts it only if it has a size (DevTools' aggregates skip
    // objects of zero self size, `HeapSnapshot.#buildAggregates`).
    let root_counted = u64::from(one.self_size[root as usize] > 0);
    assert_eq!(count3, 3 * count - 2 * root_counted);
    assert_eq!(size3, 3 * size);
}

#[test]
fn copies_past_the_readers_node_limit_are_refused_before_anything_is_written() {
    let source = snapshot::read_file(&sample("s1.heapsnapshot.gz"), &NoProgress).expect("sample loads");
    // V8's 7 edge types take 3 bits of a packed edge; targets have the other 29.
    let v8_node_limit: u64 = (1 << 29) - 1;
    let too_many = u32::try_from(v8_node_limit / (source.node_count() as u64 - 1) + 2).expect("small");
    let mut bytes = Vec::new();
    let err = writer::write_replicated(&source, too_many, &mut bytes).expect_err("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert!(err.to_string().contains("nodes"), "{err}");
    assert!(bytes.is_empty());
    assert!(writer::write_replicated(&source, 0, &mut bytes).is_err());
}
