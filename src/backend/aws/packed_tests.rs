//! Tests of the packed layout's encoding.

use super::*;
use crate::model::event::Fields;
use crate::model::fixtures::event;

fn with_visitor(id: &str, page: &str, time: &str, visitor: &str) -> Event {
    Event {
        visitor: Some(visitor.into()),
        ..event(id, page, time)
    }
}

#[test]
fn events_round_trip_with_every_kind_of_visitor() {
    let events = vec![
        event("0000000000000001-1", "/posts/a", "2021-03-13T01:00:00Z"),
        with_visitor(
            "b",
            "/ünï/日本",
            "2021-03-13T01:00:00.5Z",
            "00ff17a9c3d2e4b5",
        ),
        // Earlier than the one before: a negative gap.
        with_visitor("c", "/", "2021-03-13T00:59:59Z", "Not-Hex_key"),
        with_visitor("d", "/x", "2021-03-13T02:00:00Z", "ABCD"),
        with_visitor("e", "/x", "2021-03-14T02:00:00Z", "abc"),
    ];
    let refs: Vec<&Event> = events.iter().collect();
    let items = pack(&refs, 4096);
    assert_eq!(items.len(), 1);
    assert_eq!(decode(&items[0]).unwrap(), events);
}

#[test]
fn every_optional_field_round_trips_and_a_plain_view_pays_nothing_for_them() {
    let plain = event("a", "/p", "2021-03-13T00:00:00Z");
    let mut download = Event {
        kind: Kind::Download,
        fields: Fields::default()
            .with(Field::Referrer, "news.example")
            .with(Field::Source, "newsletter")
            .with(Field::Medium, "email")
            .with(Field::Campaign, "spring")
            .with(Field::Variant, "B"),
        ..event("b", "/files/a.pdf", "2021-03-13T00:00:01Z")
    };
    let custom = Event {
        kind: Kind::Event,
        fields: Fields::default().with(Field::Name, "signup"),
        visitor: Some("00ff17a9c3d2e4b5".into()),
        ..event("c", "/", "2021-03-13T00:00:02Z")
    };
    let events = vec![plain.clone(), download.clone(), custom];
    let refs: Vec<&Event> = events.iter().collect();
    assert_eq!(decode(&pack(&refs, 4096)[0]).unwrap(), events);
    let encoder = Encoder::new(plain.time_ms());
    assert_eq!(encoder.cost(&plain), event_bytes(2, 1, Visitor::None, 0));
    download.kind = Kind::parse("nonsense").unwrap_or(Kind::Download);
    let mut bytes = pack(&[&download], 4096).remove(0);
    let at = bytes.windows(8).position(|w| w == b"download").unwrap();
    bytes[at] = b'X';
    assert_eq!(decode(&bytes), Err(PackedError::BadKind));
}

#[test]
fn the_sizes_are_those_written() {
    let mut visitor = with_visitor(
        "0000000000000007-12345",
        "/posts/2021/03/some-post-title",
        "2021-03-13T12:34:56.789Z",
        "00ff17a9c3d2e4b5",
    );
    let base = visitor.time_ms() - 70_000;
    let mut encoder = Encoder::new(base);
    assert_eq!(encoder.len(), header_bytes(base));
    assert_eq!(header_bytes(base), 7);
    let bytes = encoder.cost(&visitor);
    assert_eq!(
        bytes,
        event_bytes(30, 22, Visitor::Hex(16), 70_000),
        "{visitor:?}"
    );
    // A gap of 70 s (3 bytes) + id (1 + 22) + page (1 + 30) + visitor (1 + 1 + 8) + end.
    assert_eq!(bytes, 3 + 23 + 31 + 10 + 1);
    encoder.push(&visitor);
    visitor.visitor = Some("Text-key".into());
    assert_eq!(
        encoder.cost(&visitor),
        event_bytes(30, 22, Visitor::Text(8), 0)
    );
    visitor.visitor = None;
    assert_eq!(
        encoder.cost(&visitor),
        event_bytes(30, 22, Visitor::None, 0)
    );
    assert_eq!(encoder.cost(&visitor), 1 + 23 + 31 + 1);
}

#[test]
fn items_stay_within_their_size_and_keep_every_event_in_order() {
    let events: Vec<Event> = (0..500)
        .map(|i| {
            let time = format!("2021-03-13T{:02}:{:02}:00Z", i / 60 % 24, i % 60);
            event(&format!("id-{i}"), &format!("/page/{}", i % 37), &time)
        })
        .collect();
    let refs: Vec<&Event> = events.iter().collect();
    let items = pack(&refs, 1000);
    assert!(items.len() >= 8, "{}", items.len());
    assert!(items.iter().all(|item| item.len() <= 1000));
    // Full items leave less room than one more event.
    assert!(items[..items.len() - 1].iter().all(|item| item.len() > 960));
    let read: Vec<Event> = items
        .iter()
        .flat_map(|item| decode(item).unwrap())
        .collect();
    assert_eq!(read, events);
    let big = event(
        "x",
        &format!("/{}", "p".repeat(699)),
        "2021-03-13T00:00:00Z",
    );
    let alone = pack(&[&big, &big], 500);
    assert_eq!(alone.len(), 2);
}

#[test]
fn unknown_fields_are_skipped_and_damage_is_an_error() {
    let e = event("a", "/p", "2021-03-13T00:00:00Z");
    let mut encoder = Encoder::new(e.time_ms());
    encoder.push(&e);
    let mut bytes = encoder.finish();
    // Tag 200 (a field of a newer version) before the end of the event.
    let end = bytes.pop().unwrap();
    bytes.extend([200, 3, b'x', b'y', b'z', end]);
    assert_eq!(decode(&bytes).unwrap(), vec![e.clone()]);
    assert_eq!(
        decode(&bytes[..bytes.len() - 2]),
        Err(PackedError::Truncated)
    );
    assert_eq!(decode(&[]), Err(PackedError::Empty));
    assert_eq!(decode(&[2, 0]), Err(PackedError::Version(2)));
    let mut bad_text = Encoder::new(0);
    bad_text.push(&event("a", "/p", "1970-01-01T00:00:00Z"));
    let mut bytes = bad_text.finish();
    let at = bytes.iter().position(|b| *b == b'p').unwrap();
    bytes[at] = 0xff;
    assert_eq!(decode(&bytes), Err(PackedError::NotUtf8));
}

#[test]
fn varints_and_zigzag() {
    for value in [
        0i64,
        1,
        -1,
        63,
        -64,
        64,
        1 << 40,
        -(1 << 40),
        i64::MAX,
        i64::MIN,
    ] {
        assert_eq!(unzigzag(zigzag(value)), value);
        let mut out = Vec::new();
        put_varint(&mut out, zigzag(value));
        assert_eq!(out.len(), varint_bytes(zigzag(value)));
    }
    assert_eq!(varint_bytes(127), 1);
    assert_eq!(varint_bytes(128), 2);
    assert_eq!(hex_bytes("00ff"), Some(vec![0, 255]));
    assert_eq!(hex_bytes("0F"), None);
    assert_eq!(hex_bytes("abc"), None);
}
