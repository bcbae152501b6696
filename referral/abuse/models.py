from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    """Allow or deny one number prefix or one source, by an operator or automatically.

    One rule per target: an operator's rule replaces an automatic block of the same
    prefix or source, and an automatic block never overwrites an operator's rule.
    """

    class Kind(models.TextChoices):
        PREFIX = "prefix", _("number prefix")
        SOURCE = "source", _("source address or network")

    class Action(models.TextChoices):
        ALLOW = "allow", _("allow: no automatic challenge or block")
        DENY = "deny", _("deny: refuse")

    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    value = models.CharField(
        _("value"),
        max_length=64,
        help_text=_("A prefix such as +7999123, or an address or network such as 203.0.113.0/24"),
    )
    action = models.CharField(_("action"), max_length=5, choices=Action.choices)
    automatic = models.BooleanField(
        _("automatic"),
        default=False,
        editable=False,
        help_text=_("Set by the SMS-pumping defence; an operator's edit clears it."),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(
        _("expires at"), null=True, blank=True, help_text=_("Empty: until removed")
    )

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="one_rule_per_target"),
            models.CheckConstraint(
                condition=Q(automatic=False) | Q(action="deny", expires_at__isnull=False),
                name="automatic_rules_are_expiring_blocks",
            ),
        ]

    def __str__(self) -> str:
        name = _NAMES.get((self.action, self.kind))
        if name is None:  # a rule not filled in yet
            return f"{self.action} {self.kind} {self.value}"
        return str(name) % {"value": self.value}


_NAMES: dict[tuple[str, str], Promise] = {
    (Rule.Action.ALLOW, Rule.Kind.PREFIX): _("allow prefix %(value)s"),
    (Rule.Action.ALLOW, Rule.Kind.SOURCE): _("allow source %(value)s"),
    (Rule.Action.DENY, Rule.Kind.PREFIX): _("deny prefix %(value)s"),
    (Rule.Action.DENY, Rule.Kind.SOURCE): _("deny source %(value)s"),
}
