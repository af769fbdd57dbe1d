"""roadmap-api's ORM: its own ``Base`` and metadata; no other service reads these tables."""

from roadmap_api.models.base import Base

__all__ = ["Base"]
