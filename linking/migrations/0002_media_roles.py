"""The governed vocabulary of media roles links use (new roles go through a change request)."""

from django.db import migrations

ROLES = [
    ("hero", "Hero"),
    ("front", "Front"),
    ("back", "Back"),
    ("side", "Side"),
    ("detail", "Detail"),
    ("lifestyle", "Lifestyle"),
    ("swatch", "Swatch"),
    ("spin_frame", "Spin frame"),
    ("video", "Video"),
    ("manual", "Manual"),
    ("spec_sheet", "Spec sheet"),
    ("packshot", "Packshot"),
]


def create_roles(apps, schema_editor):
    Vocabulary = apps.get_model("governance", "Vocabulary")
    Term = apps.get_model("governance", "Term")
    vocabulary, _ = Vocabulary.objects.get_or_create(
        code="media_roles",
        defaults={"labels": {"en_US": "Media roles"}, "is_governed": True},
    )
    for order, (code, label) in enumerate(ROLES):
        Term.objects.get_or_create(
            vocabulary=vocabulary,
            code=code,
            defaults={"labels": {"en_US": label}, "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("linking", "0001_initial"),
        ("governance", "0006_event_channel_event_sequence_job"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
