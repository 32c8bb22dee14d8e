// Every account with the facts detection scores: sign-up, activity, capability counts, payment funding,
// model mix, declared organisation and label. `nodeId` maps GDS stream results back to accounts. No params.
// Ordered by account id: the row order is detection's account index, which must not follow load order.
MATCH (a:Account)
RETURN id(a) AS nodeId, a.accountId AS accountId, a.createdAt.epochMillis AS createdAt, a.pathway AS pathway,
       a.orgId AS orgId,
       a.status AS status, a.label AS label, coalesce(a.exchanges, 0) AS exchanges,
       coalesce(a.capCot, 0) AS capCot, coalesce(a.capCode, 0) AS capCode, coalesce(a.capTool, 0) AS capTool,
       coalesce(a.capMath, 0) AS capMath, coalesce(a.capRubric, 0) AS capRubric,
       coalesce(a.capRewrite, 0) AS capRewrite, a.hourOfDay AS hourOfDay,
       coalesce(a.activeHours, 0) AS activeHours, coalesce(a.activeDays, 0) AS activeDays,
       coalesce(a.maxPerHour, 0) AS maxPerHour, coalesce(a.p95PerHour, 0.0) AS p95PerHour,
       coalesce(a.maxPerDay, 0) AS maxPerDay, coalesce(a.meanPerActiveDay, 0.0) AS meanPerActiveDay,
       coalesce(a.outputTokens, 0) AS outputTokens, coalesce(a.tokenReports, 0) AS tokenReports,
       a.firstSeen.epochMillis AS firstSeen, a.lastSeen.epochMillis AS lastSeen,
       [(a)-[:PAID_WITH]->(p:PaymentMethod) | p.funding] AS fundings,
       [(a)-[u:USED_MODEL]->(m:Model) | {model: m.name, count: u.count}] AS models
ORDER BY accountId
