"""The stored model: channels, their sources, the items they bring, runs, and what
each publish put out."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from feeds.dates import utcnow
from feeds.store import search_schema  # noqa: F401  (Alembic leaves the search index alone)
from feeds.store.types import UTCDateTime


class Base(DeclarativeBase):
    pass


SOURCE_KINDS = ("rss", "mrss", "article", "live")
RUN_STATUSES = ("queued", "running", "ok", "not_modified", "error")


class Channel(Base):
    __tablename__ = "channels"

    id: Mapped[str] = mapped_column(String(50), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(16), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    default_thumbnail: Mapped[str] = mapped_column(String(2048), default="")
    countries: Mapped[list] = mapped_column(JSON, default=list)
    rows: Mapped[list | None] = mapped_column(JSON, nullable=True, default=None)
    held_by: Mapped[str] = mapped_column(String(200), default="")
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    held_publish_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    media: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sources: Mapped[list["Source"]] = relationship(
        back_populates="channel", cascade="all, delete-orphan", passive_deletes=True)


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("channel_id", "url", name="uq_source_channel_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    thumbnail: Mapped[str] = mapped_column(String(2048), default="")
    category: Mapped[str] = mapped_column(String(200), default="")
    every: Mapped[int] = mapped_column(Integer, default=900)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    options: Mapped[dict] = mapped_column(JSON, default=dict)
    etag: Mapped[str | None] = mapped_column(String(512), nullable=True)
    last_modified: Mapped[str | None] = mapped_column(String(128), nullable=True)
    next_due: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    channel: Mapped[Channel] = relationship(back_populates="sources")


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("channel_id", "key", name="uq_item_channel_key"),
        Index("ix_item_channel_published", "channel_id", "published"),
        Index("ix_item_channel_url", "channel_id", "url"),
        Index("ix_item_pin_until", "pin_until"),
        Index("ix_item_channel_valid_from", "channel_id", "valid_from"),
        Index("ix_item_channel_valid_until", "channel_id", "valid_until"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), nullable=True, index=True)
    key: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[list] = mapped_column(JSON, default=list)
    body_html: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(String(2048), default="")
    image_caption: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list] = mapped_column(JSON, default=list)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    published: Mapped[datetime] = mapped_column(UTCDateTime)
    published_offset: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    url: Mapped[str] = mapped_column(String(2048), default="")
    author: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    videos: Mapped[list] = mapped_column(JSON, default=list)
    duration: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pin_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    search_config: Mapped[str] = mapped_column(String(32), default="simple", server_default="simple")
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    media: Mapped["ItemMedia | None"] = relationship(
        lazy="selectin", uselist=False, viewonly=True,
        primaryjoin="Item.id == foreign(ItemMedia.item_id)")

    def showing(self, now: datetime) -> bool:
        """Not hidden by ops, and inside its validity window (when it has one)."""
        return (not self.hidden and (self.valid_from is None or self.valid_from <= now)
                and (self.valid_until is None or self.valid_until > now))

    def pinned(self, now: datetime) -> bool:
        """Pinned and its pin not lapsed at ``now``."""
        return self.pinned_at is not None and (self.pin_until is None or self.pin_until > now)

    @property
    def published_local(self) -> datetime:
        """The publish time with the offset the publisher gave."""
        return self.published.astimezone(timezone(timedelta(minutes=self.published_offset)))


class ItemSection(Base):
    """One level of an item's section path, kept by the store's triggers (migration
    0005) so that a category listing walks an index instead of the catalogue."""

    __tablename__ = "item_sections"
    __table_args__ = (Index("ix_item_section_listing", "channel_id", "category", "published",
                            "item_id"),)

    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"),
                                         primary_key=True)
    category: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(50))
    published: Mapped[datetime] = mapped_column(UTCDateTime)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    started: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")


class Publish(Base):
    """One publish of a channel: when, why, what it carried (``files``: format name
    to the ETag of its bytes) and its report."""

    __tablename__ = "publishes"
    __table_args__ = (Index("ix_publish_channel_id", "channel_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trigger: Mapped[str] = mapped_column(String(200), default="")
    files: Mapped[dict] = mapped_column(JSON, default=dict)
    report: Mapped[dict] = mapped_column(JSON, default=dict)


class StoredSnapshot(Base):
    """The bytes of one format as published, kept once however many publishes carry them."""

    __tablename__ = "snapshots"

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    etag: Mapped[str] = mapped_column(String(80), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    gzip: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[float] = mapped_column(Float)


class LiveSnapshot(Base):
    """Which bytes of each format a channel serves now."""

    __tablename__ = "live_snapshots"
    __table_args__ = (ForeignKeyConstraint(["channel_id", "name", "etag"],
                                           ["snapshots.channel_id", "snapshots.name", "snapshots.etag"],
                                           ondelete="CASCADE"),)

    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"),
                                            primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    etag: Mapped[str] = mapped_column(String(80))
    publish_id: Mapped[int] = mapped_column(ForeignKey("publishes.id", ondelete="CASCADE"))


class Audit(Base):
    """An editorial or ops change to a channel: what, when, and who asked."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_channel_id", "channel_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class MediaFile(Base):
    """Bytes the workers made (tiles, posters, title cards), served at ``/media/<digest>.jpg``."""

    __tablename__ = "media_files"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(100))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Artwork(Base):
    """What one source image (or title card) made at one size: a file, or why not.
    ``key`` hashes the source and the size, so each is made once."""

    __tablename__ = "artwork"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaCheck(Base):
    """The last check of one media URL (a playlist, a file, a caption track)."""

    __tablename__ = "media_checks"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ItemMedia(Base):
    """What the workers made of an item's media for its ``content_hash``: its tile (and
    poster), its renditions as checked, its captions, and why it cannot play."""

    __tablename__ = "item_media"
    __table_args__ = (Index("ix_item_media_channel", "channel_id"),)

    item_id: Mapped[str] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(50))
    content_hash: Mapped[str] = mapped_column(String(64))
    spec: Mapped[str] = mapped_column(String(64), default="")
    tile: Mapped[str | None] = mapped_column(String(64), nullable=True)
    poster: Mapped[str | None] = mapped_column(String(64), nullable=True)
    artwork_note: Mapped[str] = mapped_column(Text, default="")
    checked: Mapped[bool] = mapped_column(Boolean, default=False)
    videos: Mapped[list] = mapped_column(JSON, default=list)
    captions: Mapped[list] = mapped_column(JSON, default=list)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    problem: Mapped[str] = mapped_column(Text, default="")
    stamp: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


DELIVERY_PENDING, DELIVERY_DONE, DELIVERY_FAILED = "pending", "delivered", "failed"


class Webhook(Base):
    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_channel_id", "channel_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delivery(Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("key", name="uq_delivery_key"),
                      Index("ix_delivery_webhook_id", "webhook_id", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=DELIVERY_PENDING)
    attempts: Mapped[list] = mapped_column(JSON, default=list)


WEBSUB_STATES = ("unknown", "none", "new", "pending", "active", "expired", "failed", "denied")
"""``unknown``: not looked at yet; ``none``: the feed advertises no hub; ``new``: a hub was
found and not asked yet; ``pending``: asked, waiting for the hub to verify; ``active``:
verified, within its lease; ``expired``: the lease ended without a verified renewal;
``failed``: the hub refused or could not be reached; ``denied``: the hub said no."""


class WebSubSubscription(Base):
    """A source's WebSub state: what its feed advertised when last looked at (the
    discovery record, one per feed source) and its subscription at that hub.
    ``callback_id`` is the unguessable last part of the callback URL, ``secret`` the
    HMAC key of the pushes; both change when the hub or the topic do."""

    __tablename__ = "websub_subscriptions"
    __table_args__ = (UniqueConstraint("source_id", name="uq_websub_source"),
                      UniqueConstraint("callback_id", name="uq_websub_callback"),
                      Index("ix_websub_discover_at", "discover_at"),
                      Index("ix_websub_renew_at", "renew_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    callback_id: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    source_url: Mapped[str] = mapped_column(String(2048), default="")
    hub: Mapped[str] = mapped_column(String(2048), default="")
    topic: Mapped[str] = mapped_column(String(2048), default="")
    discover_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    discovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    renew_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lease_expires: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    denied_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    pushes: Mapped[int] = mapped_column(Integer, default=0)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    rejected_pushes: Mapped[int] = mapped_column(Integer, default=0)
    last_rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_rejection: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
