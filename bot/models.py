"""The catalogue's tables (SQLAlchemy 1.4, declarative). Works on SQLite and PostgreSQL.

Published text has no reliable length (a 咨询电话 cell can list five numbers), so free text is
`Text`; only codes and closed choices are `String`."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

ACTIVE = "active"
WITHDRAWN = "withdrawn"

matter_halls = Table(
    "matter_halls",
    Base.metadata,
    Column("matter_id", ForeignKey("matters.id", ondelete="CASCADE"), primary_key=True),
    Column("hall_id", ForeignKey("halls.id", ondelete="CASCADE"), primary_key=True),
)


class Matter(Base):
    """One matter (事项) with its guide (办事指南)."""

    __tablename__ = "matters"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), unique=True, nullable=False, index=True)
    name = Column(Text, nullable=False)
    short_name = Column(Text)
    aliases = Column(JSON, nullable=False, default=list)  # 俗称
    department = Column(Text, nullable=False)
    level = Column(String(20))  # 省/市/区/街道/社区
    type = Column(Text)  # 公共服务/行政许可/...
    targets = Column(JSON, nullable=False, default=list)  # 个人/法人
    themes = Column(JSON, nullable=False, default=list)
    life_events = Column(JSON, nullable=False, default=list)
    conditions = Column(Text)
    steps = Column(JSON, nullable=False, default=list)
    statutory_days = Column(Integer)
    statutory_unit = Column(String(10))  # 工作日/自然日
    promised_days = Column(Integer)
    promised_unit = Column(String(10))
    fee = Column(Text)
    legal_basis = Column(Text)
    location = Column(Text)  # free-text 办理地点 when the catalogue has no hall directory
    window = Column(Text)
    accepted_anywhere = Column(Boolean, nullable=False, default=False)  # 全区通办
    consult_phone = Column(Text)
    complaint_phone = Column(Text)
    online_url = Column(Text)
    visits = Column(Integer)  # 最多跑N次
    source = Column(String(100), nullable=False, index=True)
    status = Column(String(20), nullable=False, default=ACTIVE, index=True)
    withdrawn_at = Column(DateTime)
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow)

    materials = relationship(
        "Material", order_by="Material.position", cascade="all, delete-orphan", back_populates="matter"
    )
    halls = relationship("Hall", secondary=matter_halls, order_by="Hall.code")
    related = relationship(
        "RelatedMatter", order_by="RelatedMatter.position", cascade="all, delete-orphan"
    )
    faqs = relationship("Faq", order_by="Faq.position", cascade="all, delete-orphan")

    @property
    def active(self) -> bool:
        return self.status == ACTIVE


class Material(Base):
    """One document of a matter's 申请材料."""

    __tablename__ = "materials"

    id = Column(Integer, primary_key=True)
    matter_id = Column(ForeignKey("matters.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    name = Column(Text, nullable=False)
    form = Column(String(20))  # 原件/复印件/原件和复印件 (the importers check the choice)
    copies = Column(Integer)
    medium = Column(String(20))  # 纸质/电子/纸质或电子
    source = Column(Text)
    shared = Column(Boolean, nullable=False, default=False)  # 免提交
    required = Column(Boolean, nullable=False, default=True)
    note = Column(Text)

    matter = relationship("Matter", back_populates="materials")


class Hall(Base):
    """A service hall: 区政务服务中心, 街道便民服务中心 or 社区服务站."""

    __tablename__ = "halls"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), unique=True, nullable=False)
    name = Column(Text, nullable=False)
    level = Column(String(20), nullable=False)  # 区/街道/社区
    street_code = Column(String(64))  # a community station's street centre
    area = Column(JSON, nullable=False, default=list)
    address = Column(Text)
    hours = Column(Text)
    phone = Column(Text)
    windows = Column(JSON, nullable=False, default=list)  # [{number, name}]
    latitude = Column(Float)  # WGS-84 as WeChat sends a shared location; None: not published
    longitude = Column(Float)
    source = Column(String(100), nullable=False)


class RelatedMatter(Base):
    """一件事: a matter citizens usually do next."""

    __tablename__ = "related_matters"

    id = Column(Integer, primary_key=True)
    matter_id = Column(ForeignKey("matters.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    related_code = Column(String(64), nullable=False)
    note = Column(Text)


class Faq(Base):
    __tablename__ = "faqs"

    id = Column(Integer, primary_key=True)
    matter_id = Column(ForeignKey("matters.id", ondelete="CASCADE"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    question = Column(Text, nullable=False)
    answer = Column(Text, nullable=False)


class CancelledCertificate(Base):
    """A 证明 that may no longer be demanded (证明事项清理)."""

    __tablename__ = "cancelled_certificates"
    __table_args__ = (UniqueConstraint("name"),)

    id = Column(Integer, primary_key=True)
    name = Column(Text, nullable=False)
    aliases = Column(JSON, nullable=False, default=list)
    instead = Column(Text)
    basis = Column(Text)
    source = Column(String(100), nullable=False)


class CatalogueRevision(Base):
    """Bumped by every import, so running searchers know to reload their index."""

    __tablename__ = "catalogue_revision"

    id = Column(Integer, primary_key=True)
    revision = Column(Integer, nullable=False, default=0)
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class Rating(Base):
    """好差评: a citizen's verdict on an answer."""

    __tablename__ = "ratings"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    conversation = Column(String(200), nullable=False)
    channel = Column(String(50))
    matter = Column(String(64))
    satisfied = Column(Boolean, nullable=False)


class UnansweredQuestion(Base):
    """A question the catalogue could not answer, kept for the catalogue maintainers."""

    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    conversation = Column(String(200), nullable=False)
    channel = Column(String(50))
    text = Column(Text, nullable=False)


class Handoff(Base):
    """A citizen handed over to a person (转人工) or pointed to the complaint line, per channel."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    conversation = Column(String(200), nullable=False)
    channel = Column(String(50))
    reason = Column(String(20), nullable=False)  # handoff or complaint
    matter = Column(String(64))


class WeChatMessage(Base):
    """A message WeChat pushed, by its MsgId (or sender and time, for events): a retry of it is
    recognised on every instance and answered without a second bot turn. Kept minutes, not days."""

    __tablename__ = "wechat_messages"

    key = Column(String(64), primary_key=True)  # a keyed digest: no OpenID in the clear
    received_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)
    reply = Column(Text)  # the passive reply sent, for a retry whose first answer was lost


class WeChatSignature(Base):
    """A (timestamp, nonce) WeChat signed a push with, and the message it came with: the same
    signature on another message is a replay, refused on every instance. Kept past the 5 minutes
    a timestamp is fresh."""

    __tablename__ = "wechat_signatures"

    key = Column(String(64), primary_key=True)  # a keyed digest of the timestamp and nonce
    message = Column(String(64), nullable=False)  # the message's key (wechat_messages)
    received_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)


class WeChatOutbox(Base):
    """A customer-service message to deliver: kept until WeChat took it, retried meanwhile, and
    listed by `python -m bot wechat outbox` when it could not be delivered."""

    __tablename__ = "wechat_outbox"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow)
    openid = Column(String(128), nullable=False)
    body = Column(JSON, nullable=False)  # the message as the API takes it, without `touser`
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    next_try_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)
    state = Column(String(10), nullable=False, default="pending")  # pending, failed


class WeChatToken(Base):
    """The account's access_token, shared by all instances (each fetch invalidates the last)."""

    __tablename__ = "wechat_tokens"

    app_id = Column(String(64), primary_key=True)
    token = Column(Text, nullable=False)
    expires_at = Column(DateTime, nullable=False)


class Application(Base):
    """办件: an application a citizen filed, for the embedded status provider."""

    __tablename__ = "applications"

    id = Column(Integer, primary_key=True)
    receipt = Column(String(64), unique=True, nullable=False)  # 受理编号
    phone_last4 = Column(String(4), nullable=False)
    applicant = Column(Text, nullable=False)
    matter_name = Column(Text, nullable=False)
    state = Column(String(20), nullable=False)  # 已受理/审查中/待补正/已办结/不予受理
    history = Column(JSON, nullable=False, default=list)  # [{at, state, note}]
    missing = Column(JSON, nullable=False, default=list)  # what to bring (退回补正)
    collect_at = Column(Text)  # where to collect the result
    updated_at = Column(DateTime, nullable=False, default=datetime.utcnow)


class StatusFailure(Base):
    """A status lookup that did not match, counted under each thing it was tried for: the
    conversation, the receipt number and the client address (as keyed digests, not in the
    clear). Too many under any one lock further tries."""

    __tablename__ = "status_failures"

    id = Column(Integer, primary_key=True)
    scope = Column(String(20), nullable=False)  # conversation, receipt or client
    key = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False, default=datetime.utcnow)
    __table_args__ = (Index("ix_status_failures_scope_key", "scope", "key", "at"),)


class PassageVector(Base):
    """The sentence vector of one catalogue text (a name, an alias, an FAQ question, a name with
    the start of its conditions), keyed by the text's digest and the model that made it: a
    re-import embeds only the texts that changed, and another model's vectors are never mixed in."""

    __tablename__ = "passage_vectors"
    __table_args__ = (UniqueConstraint("model", "digest"),)

    id = Column(Integer, primary_key=True)
    model = Column(String(100), nullable=False)
    digest = Column(String(64), nullable=False)  # sha256 of the text
    vector = Column(LargeBinary, nullable=False)  # float32, little-endian
