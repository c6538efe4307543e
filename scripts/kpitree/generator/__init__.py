"""The deterministic demo data generator: one module per raw table, and the shared pieces.

Raw tables (docs/raw_data.md): funnel_events.py, ad_spend.py, accounts.py, engagement.py
(account_engagement), meetings.py (meeting_attendees), partners.py (partner_registrations),
product.py (product_events), touches.py, customers.py (subscriptions, subscription_changes,
account_health). The same business as the connectors land it: crm_common.py,
crm_salesforce.py, crm_hubspot.py, crm_writers.py (--crm), ads.py (--ads), stripe.py
(--billing stripe). Shared: plan.py (what to reproduce: calendar, motions, rates, lags, effects),
randomness.py (deterministic hash and Weyl draws), entries.py (each motion's daily volume),
stages.py (one funnel step), context.py (a run), tables.py (how a table is written and
checked), bad_rows.py, report.py, cli.py (`main()`).

The output is a function of the options alone: the same seed gives byte-identical files
whatever the machine's thread count (randomness.py says how).
"""
