"""Comments on any object (governance/comments.py): added as the acting person with an audit
record on the object and an event, refused when empty or too long, deleted by their author or
an administrator only."""

import pytest
from django.core.exceptions import ValidationError

from governance import roles
from governance import services as governance
from governance.audit import acting_as, history
from governance.comments import comment_add, comment_delete, comments_for, may_delete
from governance.models import AuditAction, Comment, Event
from tests.governance.people import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    """Any governed object will do; comments reference it generically."""
    return governance.category_create(code="master")


def test_a_comment_is_added_as_the_acting_person_audited_and_announced(category):
    author = member(roles.PRODUCT_EDITOR)
    with acting_as(user=author):
        comment = comment_add(obj=category, text="  Check the label, please.  ")
    assert (comment.author, comment.text, comment.target) == (
        author,
        "Check the label, please.",
        category,
    )
    [record] = history(category).filter(action=AuditAction.COMMENT)
    assert record.actor == author
    assert record.changes == {"comment": [None, "Check the label, please."]}
    event = Event.objects.get(name="governance.comment.added")
    assert event.payload["comment"] == comment.pk and event.object_ref == str(category.pk)


def test_comments_of_an_object_are_listed_oldest_first(category):
    other = governance.category_create(code="other")
    with acting_as(user=member(roles.PRODUCT_EDITOR)):
        first = comment_add(obj=category, text="first")
        comment_add(obj=other, text="elsewhere")
        second = comment_add(obj=category, text="second")
    assert list(comments_for(category)) == [first, second]


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "required"), ("   \n ", "required"), ("x" * 2001, "max_length")],
)
def test_empty_or_too_long_comments_are_refused(category, text, code):
    with pytest.raises(ValidationError) as refused, acting_as(user=member(roles.PRODUCT_EDITOR)):
        comment_add(obj=category, text=text)
    assert [e.code for e in refused.value.error_dict["text"]] == [code]
    assert not Comment.objects.exists()


def test_the_longest_comment_allowed_is_kept(category):
    assert len(comment_add(obj=category, text="x" * 2000).text) == 2000


def test_only_the_author_or_an_administrator_may_delete(category):
    author = member(roles.PRODUCT_EDITOR)
    someone = member(roles.PRODUCT_DATA_OWNER)
    admin = member(roles.ADMINISTRATOR)
    with acting_as(user=author):
        comment = comment_add(obj=category, text="mine")
    assert may_delete(author, comment) and may_delete(admin, comment)
    assert not may_delete(someone, comment)


def test_deleting_a_comment_removes_it_and_audits_the_object(category):
    author = member(roles.PRODUCT_EDITOR)
    with acting_as(user=author):
        comment = comment_add(obj=category, text="oops")
        comment_delete(comment=comment)
    assert not Comment.objects.exists()
    removed = history(category).filter(action=AuditAction.COMMENT).first()
    assert removed.changes == {"comment": ["oops", None]}
    assert Event.objects.filter(name="governance.comment.deleted").exists()
