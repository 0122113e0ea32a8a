"""A loaded framework version and the rows drawn from it (domains, levers, indicators)."""

from django.db import models

from .document import Framework, framework_cached, framework_from_content

# The tables keep the names they had when these models lived in the `readiness` app
# (see frameworks/migrations/0001_initial.py): moving a model must not move its rows.


class FrameworkVersion(models.Model):
    """One loaded version of the framework file. Immutable once an assessment uses it."""

    code = models.SlugField(max_length=40)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "readiness_frameworkversion"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def label(self) -> str:
        return f"{self.code}-v{self.version}"

    @property
    def spec(self) -> Framework:
        """The typed framework of this version, built once per content hash and kept in
        memory: once built, reading it again costs no query even when `content` was
        deferred."""
        return framework_cached(self.content_hash) or framework_from_content(
            self.content, digest=self.content_hash
        )


class Domain(models.Model):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="domains"
    )
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "readiness_domain"
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="domain_code_per_framework")
        ]

    def __str__(self) -> str:
        return self.name


class Lever(models.Model):
    class Group(models.TextChoices):
        GETTING_STARTED = "getting_started", "Getting started"
        MOVING_FORWARD = "moving_forward", "Moving forward"

    framework = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="levers")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    group = models.CharField(max_length=20, choices=Group.choices)
    summary = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "readiness_lever"
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="lever_code_per_framework")
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.CASCADE, related_name="indicators"
    )
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=10)
    area = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    prompt = models.TextField()
    position = models.PositiveSmallIntegerField()
    levers = models.ManyToManyField(Lever, related_name="indicators", blank=True)

    class Meta:
        db_table = "readiness_indicator"
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="indicator_code_per_framework"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"
