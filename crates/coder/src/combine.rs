//! How CAMEO codes combine when one verb sits inside another, and what a negated verb codes.
//!
//! PETRARCH-2 does this with an internal hexadecimal ontology ("PICO": intend 0x3000 + provide aid 0x0040 →
//! 0x3040 → 033) computed over its parse tree. The same CAMEO families are written out here as a small table, by
//! the structure of the CAMEO codebook itself: the *intent* family 03x, the *appeal* family 02x and the *reject*
//! family 12x each mirror the cooperative families 04x–08x one for one (031 "intent to engage in material
//! cooperation" mirrors 06x, 0231 "appeal for economic aid" mirrors 071, 1244 "refuse to ease economic sanctions"
//! mirrors 085, …). The mapping is documented in docs/coder.md ("Nested verbs and negation").

/// The family of the outer verb of "A wants to help B" / "A asked B to help C".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// 03x: want, intend, seek, promise …
    Intend,
    /// 02x: ask, appeal, urge …
    Appeal,
}

impl Frame {
    /// The frame of an outer verb's code, if it is one.
    pub fn of(code: &str) -> Option<Frame> {
        match code.get(..2)? {
            "03" => Some(Frame::Intend),
            "02" => Some(Frame::Appeal),
            _ => None,
        }
    }
}

/// The code of "intend / appeal to do `inner`"; None when the combination has no CAMEO code of its own (then the
/// outer verb's code stands).
pub fn combine(frame: Frame, inner: &str) -> Option<String> {
    let root = inner.get(..2)?;
    let code = match frame {
        Frame::Intend => match root {
            "04" if inner.starts_with("045") => "039",
            "04" => "036",
            "05" => "032",
            "06" => mirror(
                inner,
                "031",
                &[
                    ("061", "0311"),
                    ("062", "0312"),
                    ("063", "0313"),
                    ("064", "0314"),
                ],
            ),
            "07" => mirror(
                inner,
                "033",
                &[
                    ("071", "0331"),
                    ("072", "0332"),
                    ("073", "0333"),
                    ("074", "0334"),
                ],
            ),
            "08" => mirror(inner, "035", YIELD_INTENT),
            // "pledged to expel" stays an expulsion (174) in PETRARCH-2's codings; "wants to attack" → 138 is the
            // dictionary's own transformation `a (_ b ATTACK) WANT = a b 138`, not a rule of this table.
            _ => return None,
        },
        Frame::Appeal => match root {
            "04" if inner.starts_with("045") => "028",
            "04" => "026",
            "05" if inner.starts_with("057") => "027",
            "05" => "022",
            "06" => mirror(
                inner,
                "021",
                &[
                    ("061", "0211"),
                    ("062", "0212"),
                    ("063", "0213"),
                    ("064", "0214"),
                ],
            ),
            "07" => mirror(
                inner,
                "023",
                &[
                    ("071", "0231"),
                    ("072", "0232"),
                    ("073", "0233"),
                    ("074", "0234"),
                ],
            ),
            "08" => mirror(inner, "025", YIELD_APPEAL),
            _ => return None,
        },
    };
    Some(code.to_string())
}

/// What "not / never / n't / no longer" + a verb codes: cooperation refused (the 12x family), or nothing at all —
/// a verb of conflict or of speech that did not happen is not an event.
pub fn negate(code: &str) -> Option<String> {
    let root = code.get(..2)?;
    let refused = match root {
        "03" => "120",
        "04" if code.starts_with("045") => "126",
        "04" => "125",
        "05" if code.starts_with("057") => "127",
        "05" => "120",
        "06" | "07" => mirror(
            code,
            "121",
            &[
                ("061", "1211"),
                ("062", "1212"),
                ("071", "1211"),
                ("072", "1212"),
            ],
        ),
        "08" => mirror(code, "124", YIELD_REFUSED),
        _ => return None,
    };
    Some(refused.to_string())
}

/// Yielding (08x) and its intent (035x), appeal (025x) and refusal (124x) mirrors.
const YIELD_INTENT: &[(&str, &str)] = &[
    ("081", "0351"),
    ("082", "0352"),
    ("084", "0353"),
    ("085", "0354"),
    ("086", "0355"),
    ("087", "0356"),
];
const YIELD_APPEAL: &[(&str, &str)] = &[
    ("081", "0251"),
    ("082", "0252"),
    ("084", "0253"),
    ("085", "0254"),
    ("086", "0255"),
    ("087", "0256"),
];
const YIELD_REFUSED: &[(&str, &str)] = &[
    ("081", "1241"),
    ("082", "1242"),
    ("084", "1243"),
    ("085", "1244"),
    ("086", "1245"),
    ("087", "1246"),
];

/// The mirror of `code`'s three-digit family in `pairs`, else the family's general code.
fn mirror(code: &str, general: &'static str, pairs: &[(&str, &'static str)]) -> &'static str {
    pairs
        .iter()
        .find(|(from, _)| code.starts_with(from))
        .map_or(general, |(_, to)| to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intentions_appeals_and_refusals_mirror_the_cooperative_families() {
        assert_eq!(Frame::of("030"), Some(Frame::Intend));
        assert_eq!(Frame::of("020"), Some(Frame::Appeal));
        assert_eq!(Frame::of("040"), None);
        // "wants to help" → 033; "pledged to expel" keeps the inner code; "asked B to help C" → 023.
        assert_eq!(combine(Frame::Intend, "070").as_deref(), Some("033"));
        assert_eq!(combine(Frame::Intend, "0721").as_deref(), Some("0332"));
        assert_eq!(combine(Frame::Intend, "174"), None);
        assert_eq!(combine(Frame::Appeal, "070").as_deref(), Some("023"));
        assert_eq!(combine(Frame::Appeal, "085").as_deref(), Some("0254"));
        assert_eq!(combine(Frame::Appeal, "190"), None);
        // "would not provide support" → 121; "would not give permission" (yield) → 124; "did not attack" → nothing.
        assert_eq!(negate("061").as_deref(), Some("1211"));
        assert_eq!(negate("080").as_deref(), Some("124"));
        assert_eq!(negate("085").as_deref(), Some("1244"));
        assert_eq!(negate("046").as_deref(), Some("125"));
        assert_eq!(negate("190"), None);
        assert_eq!(negate("010"), None);
        assert_eq!(negate(""), None);
        assert_eq!(combine(Frame::Intend, "x"), None);
    }
}
