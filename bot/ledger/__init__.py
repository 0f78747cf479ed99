"""The usage ledger: what each answer and refusal cost, kept in SQL (SQLite or PostgreSQL)."""

from bot.ledger.rows import OUTCOMES, UsageRow
from bot.ledger.store import Ledger, LedgerUnavailable

__all__ = ["OUTCOMES", "Ledger", "LedgerUnavailable", "UsageRow"]
