//! The shared vectors loader reads every circuit entry of vectors.json.
mod common;

#[test]
fn vectors_json_has_all_24_circuits_with_consistent_widths() {
    let circuits = common::reference_circuits();
    assert_eq!(circuits.len(), 24);
    for c in &circuits {
        assert!(c.path.is_file(), "{}", c.path.display());
        assert!(!c.vectors.is_empty(), "{}", c.name);
        for v in &c.vectors {
            let widths: Vec<u32> = v.inputs.iter().map(|b| b.len() as u32).collect();
            assert_eq!(widths, c.input_sizes, "{} {}", c.name, v.name);
        }
    }
}
