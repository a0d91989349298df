"""Fill msgstr entries of a .po file from a JSON dict {msgid: msgstr | [singular, plural]}.

Usage: python docs/dev/fill_po.py path/to/django.po translations.json
Only entries whose msgid is in the dict are touched; fuzzy flags are cleared for them.
"""

import json
import sys

import polib

po = polib.pofile(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as handle:
    translations = json.load(handle)
for entry in po:
    if entry.msgid in translations:
        value = translations[entry.msgid]
        if entry.msgid_plural:
            forms = value if isinstance(value, list) else [value]
            entry.msgstr_plural = {i: forms[min(i, len(forms) - 1)] for i in range(max(1, len(entry.msgstr_plural)))}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
po.save()
missing = [e.msgid for e in po.untranslated_entries()]
print(f"{len(missing)} untranslated", *missing[:50], sep="\n  ")
