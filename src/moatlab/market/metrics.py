"""The metrics a market run records each month (columns of :meth:`MarketModel.run`), with their meaning."""

METRICS = {
    "hhi": "Herfindahl–Hirschman index of foundation-layer revenue (0–10,000)",
    "active": "active foundation-model firms",
    "entries": "firms entering this period",
    "exits": "firms leaving this period",
    "frontier": "frontier capability, max σ ln X (log-capability)",
    "growth": "frontier growth this period (innovation, log-capability per month)",
    "downstream_quality": "mean quality of downstream products (base quality + fine-tuning)",
    "consumer_surplus": "quality-adjusted user surplus ($B per month)",
    "open_share": "share of downstream products built on open bases",
    "derivatives": "downstream products built on open bases",
    "incumbent_share": "incumbents' share of foundation-layer revenue",
    "open_firms": "active firms releasing open weights",
    "adoptions": "firms completing the adoption of an open base this period",
    "lineage_share": "share of active start-up and academic firms whose model descends from the open giant's "
    "or the leaked model (0 before such a release)",
    "lineage_products": "share of downstream products on the open giant's or the leaked model's lineage",
    "price": "user-weighted mean API price (margin, $B per unit of market per month)",
    "qa_price": "user-weighted mean price per unit of capability, price · exp(−q)",
    "frontier_firms": "active firms whose effective compute is within half an order of magnitude of the "
    "largest",
    "outside_share": "users' share of the outside option (not buying from any foundation model)",
    "startup_funding": "outside money (venture capital) reaching the active start-ups this period ($B)",
    "startup_training": "the active start-ups' training spend this period ($B)",
}
