//! Tolerant text comparison for message texts: case, curly vs straight apostrophes, punctuation,
//! a typo per word, or a word or two changed.

/// Apostrophe-like characters, removed so `isn’t`, `isn't` and `isnt` compare equal.
const APOSTROPHES: [char; 5] = ['\'', '\u{2019}', '\u{2018}', '`', '\u{b4}'];

/// Longest token compared with edit distance; longer tokens must match exactly.
const MAX_FUZZY_TOKEN: usize = 32;

/// Query length (in tokens) above which only exact containment is tried.
pub const MAX_FUZZY_QUERY_TOKENS: usize = 400;

/// Lower-case word tokens: apostrophes dropped, every other non-alphanumeric character a separator.
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        if APOSTROPHES.contains(&ch) {
            continue;
        }
        if ch.is_alphanumeric() {
            cur.extend(ch.to_lowercase());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The folded form used for exact text matches: tokens joined by single spaces.
pub fn fold(text: &str) -> String {
    tokens(text).join(" ")
}

/// Whether two tokens are the same word, allowing one typo (two in long words).
pub fn same_word(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    let shorter = la.min(lb);
    let allowed = match shorter {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    if allowed == 0 || la.abs_diff(lb) > allowed || la.max(lb) > MAX_FUZZY_TOKEN {
        return false;
    }
    edit_distance(a, b) <= allowed
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let subst = prev[j] + usize::from(ca != cb);
            cur[j + 1] = subst.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// How much of `message` appears, in order, in `query` (0.0–1.0). Words are weighted by length,
/// so a changed "the" costs less than a changed "eligible"; each word tolerates a typo. The query
/// may be longer than the message (a whole pasted dialog).
pub fn coverage(query: &[String], message: &[String]) -> f64 {
    let total: usize = message.iter().map(|w| w.chars().count()).sum();
    if total == 0 || query.is_empty() {
        return 0.0;
    }
    // Weighted longest common subsequence, one row at a time.
    let mut prev = vec![0usize; message.len() + 1];
    let mut cur = vec![0usize; message.len() + 1];
    for q in query {
        for (j, m) in message.iter().enumerate() {
            let diag = if same_word(q, m) {
                prev[j] + m.chars().count()
            } else {
                0
            };
            cur[j + 1] = diag.max(prev[j + 1]).max(cur[j]);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[message.len()] as f64 / total as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        tokens(s)
    }

    #[test]
    fn folding_ignores_case_quotes_and_punctuation() {
        assert_eq!(
            fold("This device isn\u{2019}t eligible for the requested build."),
            fold("this device isnt eligible, for the requested build")
        );
    }

    #[test]
    fn same_word_allows_small_typos_only() {
        assert!(same_word("eligible", "eligable"));
        assert!(same_word("requested", "requsted"));
        assert!(!same_word("the", "thy"));
        assert!(!same_word("required", "requested"));
    }

    #[test]
    fn coverage_of_exact_and_embedded_text_is_full() {
        let m = t("invalid response");
        assert_eq!(coverage(&t("Invalid response"), &m), 1.0);
        assert_eq!(coverage(&t("error: got an invalid response."), &m), 1.0);
        assert!(coverage(&t("invalid"), &m) < 0.5);
        assert_eq!(coverage(&[], &m), 0.0);
    }
}
