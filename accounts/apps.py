from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People who sign in, and their role.

    This package was the `readiness` app, which once held every model. Its label stays
    "readiness" so that AUTH_USER_MODEL ("readiness.User"), the migration history in
    accounts/migrations (recorded in django_migrations under "readiness") and every table
    name (readiness_user, ...) stay valid on databases created before the split. The
    models that moved out to directory, frameworks and assessments keep their
    readiness_* tables through `Meta.db_table`.
    """

    name = "accounts"
    label = "readiness"
    verbose_name = "Accounts"
