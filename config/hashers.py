"""Password hashing: Argon2id with parameters sized for a shared two-core server.

Django's own Argon2 parameters (100 MiB, two passes, eight lanes) cost ~260 ms of CPU per login; on two
cores eight lanes add nothing but threads. These are OWASP's (Password Storage Cheat Sheet) for Argon2id:
46 MiB of memory, one pass, one lane — ~75 ms of CPU, and still memory-hard. The algorithm name stays
"argon2", so a hash made with other parameters verifies and is re-hashed with these at the next login.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2PasswordHasher


class Argon2PasswordHasher(DjangoArgon2PasswordHasher):
    time_cost = 1
    memory_cost = 47104  # KiB (46 MiB)
    parallelism = 1
