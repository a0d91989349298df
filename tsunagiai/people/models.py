"""People, households, household membership (with history) and related people.

No My Number (個人番号) is ever stored: there is no field for it, and a test
fails if one appears.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagiai.core.eras import age_on
from tsunagiai.core.models import TrackedModel


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")


class CareLevel(models.TextChoices):
    """要介護度 (care-insurance certification)."""

    NONE = "none", _("not certified")
    APPLYING = "applying", _("applying")
    SUPPORT_1 = "support_1", _("support level 1")
    SUPPORT_2 = "support_2", _("support level 2")
    CARE_1 = "care_1", _("care level 1")
    CARE_2 = "care_2", _("care level 2")
    CARE_3 = "care_3", _("care level 3")
    CARE_4 = "care_4", _("care level 4")
    CARE_5 = "care_5", _("care level 5")


class EmploymentStatus(models.TextChoices):
    UNKNOWN = "", _("unknown")
    EMPLOYED = "employed", _("employed")
    NOT_WORKING = "not_working", _("not working")
    STUDENT = "student", _("student / pupil")
    PRESCHOOL = "preschool", _("preschool")
    RETIRED = "retired", _("retired")
    HOMEMAKER = "homemaker", _("homemaker")


class Language(models.TextChoices):
    """Languages residents of Japanese cities most often need (主な使用言語)."""

    JAPANESE = "ja", _("Japanese")
    ENGLISH = "en", _("English")
    CHINESE = "zh", _("Chinese")
    KOREAN = "ko", _("Korean")
    VIETNAMESE = "vi", _("Vietnamese")
    PORTUGUESE = "pt", _("Portuguese")
    SPANISH = "es", _("Spanish")
    FILIPINO = "tl", _("Filipino (Tagalog)")
    NEPALI = "ne", _("Nepali")
    INDONESIAN = "id", _("Indonesian")
    THAI = "th", _("Thai")
    BURMESE = "my", _("Burmese")
    OTHER = "other", _("other language")


class Person(TrackedModel):
    """本人 or a household member: the subject of support."""

    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50, blank=True)
    family_name_kana = models.CharField(_("family name (kana)"), max_length=100, blank=True)
    given_name_kana = models.CharField(_("given name (kana)"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    town_block = models.ForeignKey(
        "reference.TownBlock",
        verbose_name=_("town block"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address_line = models.CharField(_("address (after the town block)"), max_length=200, blank=True)
    care_level = models.CharField(_("care level"), max_length=12, choices=CareLevel.choices, blank=True)
    certificate_physical = models.BooleanField(_("physical disability certificate"), default=False)
    certificate_intellectual = models.BooleanField(_("intellectual disability certificate (療育手帳)"), default=False)
    certificate_mental = models.BooleanField(_("mental disability certificate"), default=False)
    public_assistance = models.BooleanField(_("receives public assistance"), default=False)
    primary_language = models.CharField(
        _("primary language"), max_length=10, choices=Language.choices, default=Language.JAPANESE
    )
    needs_interpreter = models.BooleanField(_("needs an interpreter"), default=False)
    lives_alone = models.BooleanField(_("lives alone"), default=False)
    employment_status = models.CharField(
        _("work"), max_length=12, choices=EmploymentStatus.choices, blank=True, default=EmploymentStatus.UNKNOWN
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    registered_by_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # 利用停止 (use suspension, privacy app): while set, only the coordination section sees the
    # person and no new intake, referral or case may name them (accounts.access, docs/privacy-requests.md).
    use_suspended = models.BooleanField(_("use suspended"), default=False, db_index=True, editable=False)
    # Normalised forms for tolerant search (kana/kanji, width, spaces, old
    # character forms); maintained by the people actions, never typed.
    search_name = models.CharField(max_length=200, editable=False, db_index=True, default="")
    search_kana = models.CharField(max_length=300, editable=False, db_index=True, default="")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["family_name_kana", "given_name_kana", "id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    def age(self, on: dt.date | None = None) -> int | None:
        if self.birth_date is None:
            return None
        return age_on(self.birth_date, on or timezone.localdate())

    @property
    def has_disability_certificate(self) -> bool:
        return self.certificate_physical or self.certificate_intellectual or self.certificate_mental


class Household(TrackedModel):
    """世帯: the people who live together, seen as one unit of support."""

    name = models.CharField(_("household name"), max_length=100, blank=True, help_text=_("e.g. 山田さん世帯"))
    town_block = models.ForeignKey(
        "reference.TownBlock",
        verbose_name=_("town block"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    address_line = models.CharField(_("address (after the town block)"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=2000)
    registered_by_organisation = models.ForeignKey(
        "reference.Organisation",
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(Person, through="HouseholdMembership", related_name="households")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["-updated_at", "id"]

    def __str__(self) -> str:
        return self.name or _("Household #%(id)s") % {"id": self.pk}


class Relationship(models.TextChoices):
    """続柄, relative to the head of the household (世帯主)."""

    HEAD = "head", _("head of household")
    SPOUSE = "spouse", _("spouse")
    CHILD = "child", _("child")
    CHILD_SPOUSE = "child_spouse", _("child's spouse")
    PARENT = "parent", _("parent")
    GRANDCHILD = "grandchild", _("grandchild")
    GRANDPARENT = "grandparent", _("grandparent")
    SIBLING = "sibling", _("sibling")
    OTHER_RELATIVE = "other_relative", _("other relative")
    NON_RELATIVE = "non_relative", _("lodger / non-relative")


class HouseholdMembership(models.Model):
    """A person's place in a household over time: the history is the rows with an end date."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="household_memberships")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    started_on = models.DateField(_("from"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    end_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("household membership")
        verbose_name_plural = _("household memberships")
        ordering = ["household_id", "ended_on", "started_on", "id"]
        constraints = [
            # A person is a current member of at most one household.
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(ended_on__isnull=True), name="one_current_household_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_relationship_display()})"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class RelatedPerson(TrackedModel):
    """Someone outside the household who matters: a key person, separated family, a guardian."""

    class Role(models.TextChoices):
        KEY_PERSON = "key_person", _("key person")
        SEPARATED_FAMILY = "separated_family", _("family living apart")
        GUARDIAN = "guardian", _("guardian / supporter")
        NEIGHBOUR = "neighbour", _("neighbour / acquaintance")
        OTHER = "other", _("other")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="related_people")
    related_person = models.ForeignKey(
        Person,
        verbose_name=_("registered person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="related_to",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    relationship = models.CharField(
        _("relationship"), max_length=50, blank=True, help_text=_("e.g. 長女(名古屋市在住)")
    )
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("related person")
        verbose_name_plural = _("related people")
        ordering = ["person_id", "role", "id"]

    def __str__(self) -> str:
        return self.name or str(self.related_person)
