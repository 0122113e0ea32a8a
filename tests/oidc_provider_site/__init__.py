"""A small OpenID Connect provider (django-oidc-provider) that the single sign-on tests run on
loopback in a process of its own, so the portal's sign-in talks real OIDC over HTTP."""
