//! Numbers and text as people read them in summaries, tables and reports: thousands
//! separators, counts with their noun, paces, one-line previews (pure code).

/// 1234567 -> "1,234,567": summaries are read by people.
pub fn thousands(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// "1 message", "2,000 messages": a count with its noun, plural when it is not one.
pub fn counted(count: u64, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        _ => format!("{} {noun}s", thousands(count)),
    }
}

/// How fast work went, as people read it: "0.42 s" for quick work (a rate of a few events
/// over a moment says nothing), "123,456/s over 8.1 s" otherwise.
pub fn pace(count: u64, seconds: f64) -> String {
    if seconds < 1.0 || count == 0 {
        return format!("{seconds:.2} s");
    }
    format!(
        "{}/s over {seconds:.1} s",
        thousands((count as f64 / seconds) as u64)
    )
}

/// The start of `text` on one line: control characters escaped (a body may hold line breaks
/// or worse), cut after `max_chars`.
pub fn one_line(text: &str, max_chars: usize) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c.is_control() {
            true => c.escape_default().collect::<Vec<_>>(),
            false => vec![c],
        })
        .collect();
    super::event::shorten(&escaped, max_chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_control_characters_and_cuts() {
        assert_eq!(one_line("a\nb\u{7}", 10), "a\\nb\\u{7}");
        assert_eq!(one_line("abcdef", 3), "abc...");
    }

    #[test]
    fn counts_and_paces_read_right() {
        assert_eq!(counted(1, "message"), "1 message");
        assert_eq!(counted(0, "row"), "0 rows");
        assert_eq!(counted(2_500, "event"), "2,500 events");
        assert_eq!(pace(1, 0.004), "0.00 s");
        assert_eq!(pace(5_000, 0.5), "0.50 s");
        assert_eq!(pace(240_000, 2.0), "120,000/s over 2.0 s");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
