"""What a source-table snapshot reports about its rejected rows."""

from dataflow_assets.lib.ingestion.source_tables import EXAMPLES_SHOWN, rejected_examples


def test_snapshot_shows_the_first_rejected_rows_with_their_key_and_reason():
    rejected = [
        (n, f"id='c{n}'", "name is NULL, but every customers row needs it") for n in range(3, 10)
    ]
    examples = rejected_examples(rejected)
    assert len(examples) == EXAMPLES_SHOWN == 5
    assert examples[0] == "row 3 (id='c3'): name is NULL, but every customers row needs it"
    assert examples[-1].startswith("row 7 (id='c7')")
    assert rejected_examples([]) == []
