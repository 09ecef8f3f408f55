//! The automatic ban rule: enough weight of distinct reporters since the
//! last automatic ban bans the reported person for the policy's next step.

use chrono::{SubsecRound, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::audit::audit;
use super::bans::{active_ban_on, insert_ban_sql};
use crate::domain::{AutobanPolicy, BanLength, UserId};
use crate::store::{ActiveBan, AuditAction};

/// Who the audit log names for automatic bans.
const AUTOBAN_ACTOR: &str = "autoban";
/// Rounding slack when comparing a sum of fractional weights to the threshold.
const WEIGHT_EPSILON: f64 = 1e-9;

/// The weight of distinct reporters of `$1` in the window (`$2` seconds)
/// since their last automatic ban, and how many automatic bans they had.
/// A reporter weighs `1 / (1 + their dismissed reports)`.
const REPORT_WEIGHT: &str = "\
WITH last_auto AS (
    SELECT max(created_at) AS at, count(*) AS n FROM bans WHERE user_id = $1 AND automatic
), reporters AS (
    SELECT DISTINCT c.reporter_id
    FROM complaints c, last_auto
    WHERE c.reported_id = $1 AND c.status <> 'dismissed'
      AND c.created_at > now() - make_interval(secs => $2)
      AND (last_auto.at IS NULL OR c.created_at > last_auto.at)
)
SELECT COALESCE(sum(1.0 / (1 + (SELECT count(*) FROM complaints d
                                WHERE d.reporter_id = r.reporter_id AND d.status = 'dismissed'))), 0)::float8 AS weight,
       count(*) AS reporters,
       (SELECT n FROM last_auto) AS earlier
FROM reporters r";

#[derive(QueryableByName)]
struct WeightRow {
    #[diesel(sql_type = Double)]
    weight: f64,
    #[diesel(sql_type = BigInt)]
    reporters: i64,
    #[diesel(sql_type = BigInt)]
    earlier: i64,
}

/// The threshold rule, inside the report's transaction (the reported
/// person's row is locked, so concurrent reports decide one at a time).
pub(super) async fn autoban_on(
    conn: &mut AsyncPgConnection,
    user: UserId,
    policy: &AutobanPolicy,
) -> Result<Option<ActiveBan>, diesel::result::Error> {
    if active_ban_on(conn, user).await?.is_some() {
        return Ok(None);
    }
    let w: WeightRow = diesel::sql_query(REPORT_WEIGHT)
        .bind::<SqlUuid, _>(user.0)
        .bind::<Double, _>(policy.window.as_secs_f64())
        .get_result(conn)
        .await?;
    if w.weight + WEIGHT_EPSILON < f64::from(policy.reports) {
        return Ok(None);
    }
    let earlier = usize::try_from(w.earlier).unwrap_or(usize::MAX);
    let until = match policy.step(earlier) {
        BanLength::Permanent => None,
        // Microseconds, as the column keeps them, so callers see what is stored.
        BanLength::For(d) => chrono::Duration::from_std(d)
            .ok()
            .map(|d| (Utc::now() + d).trunc_subsecs(6)),
    };
    let reason = format!("automatic: {} distinct reporters", w.reporters);
    diesel::sql_query(insert_ban_sql())
        .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
        .bind::<SqlUuid, _>(user.0)
        .bind::<Nullable<Timestamptz>, _>(until)
        .bind::<Text, _>(&reason)
        .bind::<Text, _>(AUTOBAN_ACTOR)
        .bind::<Bool, _>(true)
        .execute(conn)
        .await?;
    audit(
        conn,
        AUTOBAN_ACTOR,
        AuditAction::Autoban,
        Some(user),
        None,
        &reason,
    )
    .await?;
    Ok(Some(ActiveBan { until }))
}
