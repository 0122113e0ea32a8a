import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Role
from accounts.services import user_add


class Command(BaseCommand):
    help = "Create a user with a role. The password comes from CBE_PASSWORD or a prompt."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--state", help="USPS code, for state roles")
        parser.add_argument("--lea", help="7-digit NCES LEAID, for district leaders")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, role, state, lea, email, **options):
        password = os.environ.get("CBE_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            user = user_add(
                username=username,
                password=password,
                role=role,
                state_code=state,
                leaid=lea,
                email=email,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        place = user.lea or user.state or "all states"
        self.stdout.write(
            self.style.SUCCESS(f"Created {username}: {user.get_role_display()}, {place}")
        )
