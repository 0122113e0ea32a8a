from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.selectors import api_token_get
from accounts.services import api_token_revoke, api_token_rotate


class Command(BaseCommand):
    help = (
        "Create or replace a user's API token and print its key as the last line of output "
        "(a script can take it with `tail -n 1`); --revoke deletes the token instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--revoke", action="store_true", help="delete the user's token; print no key"
        )

    def handle(self, *args, username: str, revoke: bool, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if revoke:
            if api_token_revoke(user=user):
                self.stdout.write(f"Revoked the API token of {username}; it no longer works.")
            else:
                self.stdout.write(f"{username} had no API token; nothing to revoke.")
            return
        had_one = api_token_get(user=user) is not None
        token = api_token_rotate(user=user)
        if had_one:
            self.stdout.write(f"Replaced the API token of {username}; the old one no longer works.")
        else:
            self.stdout.write(f"Created an API token for {username}.")
        if not user.is_active:
            self.stdout.write(
                f"Note: {username} is inactive, so the token is refused until they are active."
            )
        self.stdout.write(
            "Anyone holding it acts as this user: store it in a secret store. "
            "Send it as `Authorization: Token <key>`. The key:"
        )
        self.stdout.write(token.key)
