"""Signing in with a username and password, and finding the signed-in user of a request.

Django's ModelBackend, with one change: the signed-in user, read on every request, is
read with a statement made once per process instead of a query the ORM builds afresh
each time. On a page served from what it kept (a dashboard viewed again) building that
query was the largest part of the page's work. It reads the same row, converts each
value as the ORM does (`get_db_converters`), and applies the same check: a user who
was deactivated is let in no more than with ModelBackend.
"""

from dataclasses import dataclass
from functools import cache

from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.db.models import Field

from .models import User


@dataclass(frozen=True)
class _Statement:
    sql: str
    names: list[str]
    converters: list[tuple[int, list, object]]  # (position, converters, column)


@cache
def _statement(vendor: str) -> _Statement:
    fields: list[Field] = list(User._meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = [field.get_col(User._meta.db_table) for field in fields]
    converters = [
        (i, found, column)
        for i, column in enumerate(columns)
        if (
            found := connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        )
    ]
    return _Statement(
        # Names from the model, quoted; the user's id is a parameter.
        sql=" ".join(
            (
                "SELECT",
                ", ".join(quote(f.column) for f in fields),
                "FROM",
                quote(User._meta.db_table),
                "WHERE",
                quote(User._meta.pk.column),
                "= %s",
            )
        ),
        names=[field.attname for field in fields],
        converters=converters,
    )


class PortalModelBackend(ModelBackend):
    def get_user(self, user_id):
        statement = _statement(connection.vendor)
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, [User._meta.pk.get_db_prep_value(user_id, connection)])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for i, converters, column in statement.converters:
            for converter in converters:
                values[i] = converter(values[i], column, connection)
        user = User.from_db(connection.alias, statement.names, values)
        return user if self.user_can_authenticate(user) else None
