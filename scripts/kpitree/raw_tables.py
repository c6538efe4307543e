"""The raw tables the generator writes and the loader loads, in load order (docs/raw_data.md)."""

from __future__ import annotations

RAW_TABLES: tuple[str, ...] = (
    "funnel_events",
    "ad_spend",
    "accounts",
    "account_engagement",
    "meeting_attendees",
    "partner_registrations",
    "product_events",
    "touches",
    "subscriptions",
    "subscription_changes",
    "account_health",
)
