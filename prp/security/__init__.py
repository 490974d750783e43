"""Sign-in security: lockout, idle timeout, two-factor codes, single sign-on and headers.

Each module holds one of them; README "Signing in and security" describes what people see.
"""
