//! The answer parser on arbitrary input: never a panic, a nonzero STATUS is never "signed",
//! and what it keeps stays bounded.

use proptest::prelude::*;
use rd_tss::{Parsed, Verdict, parse};

proptest! {
    #[test]
    fn arbitrary_bytes_give_a_typed_verdict(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let p = parse(&bytes);
        let v = p.verdict();
        match &p {
            Parsed::Reply(r) => {
                prop_assert!(r.message.chars().count() <= 300);
                if r.status != 0 {
                    prop_assert_ne!(v, Verdict::Signed);
                }
            }
            Parsed::NotTss { excerpt, .. } => {
                prop_assert!(excerpt.chars().count() <= 160);
                prop_assert!(matches!(v, Verdict::NotTss(_)));
            }
        }
    }

    #[test]
    fn any_status_line_is_read_and_only_zero_can_be_signed(
        status in -5i64..100_000,
        message in "[ -~]{0,80}",
        tail in "[ -~]{0,200}",
    ) {
        let body = format!("STATUS={status}&MESSAGE={message}&REQUEST_STRING={tail}");
        let p = parse(body.as_bytes());
        let Parsed::Reply(r) = &p else {
            return Err(TestCaseError::fail(format!("not read as TSS: {body}")));
        };
        prop_assert_eq!(r.status, status);
        if status != 0 {
            prop_assert_ne!(p.verdict(), Verdict::Signed);
        }
        if status == 168 || status == 128 {
            prop_assert_eq!(p.verdict(), Verdict::ServerError);
        }
    }
}
