//! Tests of the event fields' rules.

use super::*;

#[test]
fn referrers_are_reduced_to_their_host() {
    for (given, stored) in [
        ("https://www.Google.com/search?q=secret", Some("google.com")),
        ("https://WWW.Google.com./", Some("google.com")),
        ("http://www.site.test:8080?x", Some("site.test")),
        ("news.ycombinator.com", Some("news.ycombinator.com")),
        ("http://blog.example.org:8080/a#b", Some("blog.example.org")),
        ("https://münchen.de/", Some("xn--mnchen-3ya.de")),
        (
            "android-app://com.google.android.gm/",
            Some("com.google.android.gm"),
        ),
        ("  ", None),
        ("", None),
    ] {
        assert_eq!(referrer_host(given).unwrap().as_deref(), stored, "{given}");
    }
    for bad in [
        "https://",
        "not a host",
        "http://a b/",
        "mailto:x@example.com",
        "http://user@site.test/",
        "http://site.test:99999/",
    ] {
        assert_eq!(referrer_host(bad), Err(Refused), "{bad}");
    }
}

#[test]
fn short_fields_are_bounded() {
    assert_eq!(campaign_part(" spring "), Ok(Some("spring".into())));
    assert_eq!(campaign_part(""), Ok(None));
    assert_eq!(campaign_part(&"x".repeat(101)), Err(Refused));
    assert_eq!(event_name(&"é".repeat(50)), Ok(Some("é".repeat(50).into())));
    assert_eq!(event_name(&"é".repeat(51)), Err(Refused));
    assert_eq!(variant("B"), Ok(Some("B".into())));
    assert_eq!(variant("tab\there"), Err(Refused));
    assert_eq!(variant(&"v".repeat(33)), Err(Refused));
    assert_eq!(screen_class(" Phone "), Ok(Some("phone".into())));
    assert_eq!(screen_class(""), Ok(None));
    assert_eq!(screen_class("1920x1080"), Err(Refused));
    assert_eq!(country(" de "), Ok(Some("DE".into())));
    assert_eq!(country("XX"), Ok(None));
    for bad in ["DEU", "T1", "D"] {
        assert_eq!(country(bad), Err(Refused), "{bad}");
    }
    assert_eq!(region("de-by"), Ok(Some("DE-BY".into())));
    assert_eq!(region("FR-75C"), Ok(Some("FR-75C".into())));
    for bad in ["BY", "DE-", "DE-ABCD", "DEU-BY", "DE-B Y"] {
        assert_eq!(region(bad), Err(Refused), "{bad}");
    }
    assert_eq!(device_class("Tablet"), Ok(Some("tablet".into())));
    assert_eq!(bot_category("robot"), Err(Refused));
    assert_eq!(major_version("XP"), Ok(Some("XP".into())));
    assert_eq!(major_version("1.2"), Err(Refused));
    assert_eq!(family(&"b".repeat(51)), Err(Refused));
    assert_eq!(
        Field::Source.check(&"x".repeat(101)),
        Err(EventError::BadField(Field::Source))
    );
    // Invisible and bidi characters are kept, escaped.
    assert_eq!(
        campaign_part("spring\u{202e}elas"),
        Ok(Some("spring%E2%80%AEelas".into()))
    );
    assert_eq!(
        event_name("sign\u{200b}up"),
        Ok(Some("sign%E2%80%8Bup".into()))
    );
    assert_eq!(variant("\u{2067}B"), Ok(Some("%E2%81%A7B".into())));
    // Stored values pass again unchanged (a drain checks what the queue carries).
    assert_eq!(variant("%E2%81%A7B"), Ok(Some("%E2%81%A7B".into())));
}

#[test]
fn kinds_and_names_go_together() {
    assert_eq!(Kind::parse("download"), Ok(Kind::Download));
    assert_eq!(Kind::parse("click"), Err(EventError::BadKind));
    assert!(check_kind_and_name(Kind::Event, Some("signup")).is_ok());
    assert_eq!(
        check_kind_and_name(Kind::Event, None),
        Err(EventError::BadField(Field::Name))
    );
    assert_eq!(
        check_kind_and_name(Kind::View, Some("signup")),
        Err(EventError::NameWithoutEvent)
    );
    assert!(check_kind_and_name(Kind::Download, None).is_ok());
}

#[test]
fn the_table_is_in_the_order_of_its_fields_and_its_names_and_tags_are_unique() {
    for (at, spec) in FIELDS.iter().enumerate() {
        assert_eq!(spec.field.index(), at, "{}", spec.name);
        assert_eq!(Field::named(spec.name), Some(spec.field));
        assert_eq!(Field::of_packed_tag(spec.packed_tag), Some(spec.field));
        assert!(
            spec.packed_tag > 3,
            "tags 0 to 3 are the packed layout's own"
        );
        assert!(spec.code.starts_with("bad-"), "{}", spec.code);
        let example = Some(FieldValue::from(spec.example));
        assert_eq!(spec.field.check(spec.example), Ok(example), "{}", spec.name);
    }
    // The rules say the limits the checks apply.
    let rule = |field: Field| field.spec().rule;
    assert!(rule(Field::Name).contains(&MAX_NAME_CHARS.to_string()));
    assert!(rule(Field::Source).contains(&MAX_CAMPAIGN_BYTES.to_string()));
    assert!(rule(Field::Variant).contains(&MAX_VARIANT_CHARS.to_string()));
}

#[test]
fn fields_hold_one_value_each() {
    let fields = Fields::default()
        .with(Field::Referrer, "news.example.org")
        .with(Field::Variant, "B");
    assert_eq!(fields.get(Field::Referrer), Some("news.example.org"));
    assert_eq!(fields.get(Field::Source), None);
    assert_eq!(
        fields.present().collect::<Vec<_>>(),
        [(Field::Referrer, "news.example.org"), (Field::Variant, "B")]
    );
    assert_eq!(Fields::from_borrowed(&fields.borrowed()), fields);
}
