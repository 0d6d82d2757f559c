//! The figures of a set of answers: satisfaction (the share of "yes, it was excellent") and the Net
//! Promoter Score (promoters answer 9–10, passives 7–8, detractors 0–6; NPS = % promoters −
//! % detractors, from −100 to 100). Integer arithmetic, checked, rounded half away from zero.

use serde::Serialize;

use super::SurveyAnswer;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Score {
    /// Answers counted.
    pub responses: u32,
    /// "Was it excellent?": yes.
    pub excellent_yes: u32,
    /// "Was it excellent?": no.
    pub excellent_no: u32,
    /// Recommendation 9 or 10.
    pub promoters: u32,
    /// Recommendation 7 or 8.
    pub passives: u32,
    /// Recommendation 0 to 6.
    pub detractors: u32,
}

impl Score {
    pub fn of<'a>(answers: impl IntoIterator<Item = &'a SurveyAnswer>) -> Self {
        let mut score = Self::default();
        for a in answers {
            score.add(a.excellent, a.recommend);
        }
        score
    }

    /// Counts one answer (either rating may be missing from an external form).
    pub fn add(&mut self, excellent: Option<bool>, recommend: Option<u8>) {
        self.responses = self.responses.saturating_add(1);
        match excellent {
            Some(true) => self.excellent_yes = self.excellent_yes.saturating_add(1),
            Some(false) => self.excellent_no = self.excellent_no.saturating_add(1),
            None => {}
        }
        match recommend {
            Some(9..=10) => self.promoters = self.promoters.saturating_add(1),
            Some(7..=8) => self.passives = self.passives.saturating_add(1),
            Some(0..=6) => self.detractors = self.detractors.saturating_add(1),
            _ => {}
        }
    }

    pub fn merge(&mut self, other: &Score) {
        self.responses = self.responses.saturating_add(other.responses);
        self.excellent_yes = self.excellent_yes.saturating_add(other.excellent_yes);
        self.excellent_no = self.excellent_no.saturating_add(other.excellent_no);
        self.promoters = self.promoters.saturating_add(other.promoters);
        self.passives = self.passives.saturating_add(other.passives);
        self.detractors = self.detractors.saturating_add(other.detractors);
    }

    /// Percent of yes among yes and no answers (0–100); `None` without any.
    pub fn satisfaction(&self) -> Option<i64> {
        let yes = i64::from(self.excellent_yes);
        let all = yes.checked_add(i64::from(self.excellent_no))?;
        percent(yes, all)
    }

    /// Net Promoter Score (−100 to 100); `None` without any recommendation.
    pub fn nps(&self) -> Option<i64> {
        let promoters = i64::from(self.promoters);
        let detractors = i64::from(self.detractors);
        let rated = promoters.checked_add(i64::from(self.passives))?.checked_add(detractors)?;
        percent(promoters.checked_sub(detractors)?, rated)
    }
}

/// `100 × part / whole`, rounded half away from zero; `None` when `whole` is 0.
fn percent(part: i64, whole: i64) -> Option<i64> {
    if whole <= 0 {
        return None;
    }
    let scaled = part.checked_mul(100)?;
    let twice = scaled.checked_mul(2)?;
    let adjusted = if scaled < 0 { twice.checked_sub(whole)? } else { twice.checked_add(whole)? };
    adjusted.checked_div(whole.checked_mul(2)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn score(answers: &[(Option<bool>, Option<u8>)]) -> Score {
        let mut s = Score::default();
        for (e, r) in answers {
            s.add(*e, *r);
        }
        s
    }

    #[test]
    fn nps_is_promoters_minus_detractors_in_percent() {
        // 5 promoters, 3 passives, 2 detractors → 50% − 20% = 30.
        let mut answers = vec![(None, Some(10)); 3];
        answers.extend([(None, Some(9)); 2]);
        answers.extend([(None, Some(8)), (None, Some(7)), (None, Some(7)), (None, Some(6)), (None, Some(0))]);
        let s = score(&answers);
        assert_eq!((s.promoters, s.passives, s.detractors), (5, 3, 2));
        assert_eq!(s.nps(), Some(30));
        assert_eq!(score(&[(None, Some(0)); 4]).nps(), Some(-100));
        assert_eq!(score(&[(None, Some(10))]).nps(), Some(100));
        assert_eq!(score(&[(None, Some(8))]).nps(), Some(0));
    }

    #[test]
    fn percentages_round_half_away_from_zero() {
        // 1 promoter of 3 → 33.3 → 33; 2 of 3 → 66.7 → 67; −1 of 8 → −12.5 → −13.
        assert_eq!(score(&[(None, Some(9)), (None, Some(7)), (None, Some(8))]).nps(), Some(33));
        assert_eq!(score(&[(None, Some(9)), (None, Some(10)), (None, Some(8))]).nps(), Some(67));
        let mut eight = vec![(None, Some(3))];
        eight.extend([(None, Some(7)); 7]);
        assert_eq!(score(&eight).nps(), Some(-13));
        assert_eq!(score(&[(Some(true), None), (Some(false), None)]).satisfaction(), Some(50));
        assert_eq!(score(&[(Some(true), None), (Some(true), None), (Some(false), None)]).satisfaction(), Some(67));
    }

    #[test]
    fn no_answers_give_no_figures_and_missing_ratings_are_not_counted() {
        assert_eq!((Score::default().nps(), Score::default().satisfaction()), (None, None));
        let s = score(&[(None, None), (Some(true), None)]);
        assert_eq!((s.responses, s.nps(), s.satisfaction()), (2, None, Some(100)));
    }

    #[test]
    fn merging_adds_every_count() {
        let mut a = score(&[(Some(true), Some(10))]);
        a.merge(&score(&[(Some(false), Some(2))]));
        assert_eq!(
            a,
            Score { responses: 2, excellent_yes: 1, excellent_no: 1, promoters: 1, passives: 0, detractors: 1 }
        );
        assert_eq!(a.nps(), Some(0));
    }

    proptest! {
        #[test]
        fn figures_stay_within_their_ranges(p in 0u32..u32::MAX, q in 0u32..u32::MAX, d in 0u32..u32::MAX, y in 0u32..u32::MAX, n in 0u32..u32::MAX) {
            let s = Score { responses: 0, excellent_yes: y, excellent_no: n, promoters: p, passives: q, detractors: d };
            if let Some(nps) = s.nps() { prop_assert!((-100..=100).contains(&nps)); }
            if let Some(sat) = s.satisfaction() { prop_assert!((0..=100).contains(&sat)); }
        }
    }
}
