"""Comments in the product editor (/products/<sku>/comments/): everyone who sees the product
reads them; editors and approvers post; authors (and administrators) delete; text is escaped;
htmx answers the section, plain forms go back to #comments; a constant query count."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import roles
from governance.audit import acting_as
from governance.comments import comment_add
from governance.models import Category, Comment
from governance.services_access import category_grant
from tests.governance.people import member
from tests.linking.test_workbench_product_editor import tee  # noqa: F401 - the product
from tests.pim.conftest import catalog  # noqa: F401 - the catalog the product is built on

URL = "/products/tee/"
ADD = URL + "comments/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _comment(product, text="Looks good", *, author=None):
    with acting_as(user=author or member(roles.PRODUCT_DATA_OWNER, username="owner")):
        return comment_add(obj=product, text=text)


def test_a_viewer_reads_comments_but_gets_no_form_and_cannot_post(client, tee):  # noqa: F811
    _comment(tee, "Check the sleeve length")
    client.force_login(member(roles.VIEWER))
    html = client.get(URL).content.decode()
    assert 'href="#comments"' in html and "Check the sleeve length" in html
    assert "owner" in html
    assert 'name="text"' not in html and "Delete" not in html
    assert client.post(ADD, {"text": "hi"}).status_code == 403
    assert Comment.objects.count() == 1


def test_an_editor_adds_a_comment_without_javascript(client, tee):  # noqa: F811
    client.force_login(member(roles.PRODUCT_EDITOR, username="ed"))
    response = client.post(ADD, {"text": "Needs a back shot"})
    assert response.status_code == 302 and response["Location"] == URL + "#comments"
    html = client.get(URL).content.decode()
    assert "Needs a back shot" in html and "Comment posted." in html
    assert Comment.objects.get().author.username == "ed"


def test_with_htmx_the_section_is_answered_and_refusals_show_inline(client, tee):  # noqa: F811
    client.force_login(member(roles.PRODUCT_EDITOR))
    response = client.post(ADD, {"text": "Via htmx"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<section id="comments"' in html and "Via htmx" in html and "<html" not in html
    response = client.post(ADD, {"text": "   "}, **HTMX)
    assert response.status_code == 422 and "Write something" in response.content.decode()
    response = client.post(ADD, {"text": "y" * 2001})
    html = response.content.decode()
    assert response.status_code == 422 and "at most 2,000 characters" in html
    assert 'aria-invalid="true"' in html and "<html" in html  # the whole editor, input kept
    assert Comment.objects.count() == 1


def test_a_comment_is_shown_escaped(client, tee):  # noqa: F811
    _comment(tee, '<script>alert("x")</script>')
    client.force_login(member(roles.VIEWER))
    html = client.get(URL).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_authors_delete_their_own_and_administrators_any(client, tee):  # noqa: F811
    author = member(roles.PRODUCT_EDITOR, username="ed")
    mine = _comment(tee, "mine", author=author)
    theirs = _comment(tee, "theirs")
    client.force_login(author)
    html = client.get(URL).content.decode()
    assert html.count('class="pe-comment-delete"') == 1
    assert client.post(f"{ADD}{theirs.pk}/delete/").status_code == 403
    response = client.post(f"{ADD}{mine.pk}/delete/", **HTMX)
    assert response.status_code == 200 and "mine" not in response.content.decode()
    client.force_login(member(roles.ADMINISTRATOR))
    assert client.post(f"{ADD}{theirs.pk}/delete/").status_code == 302
    assert not Comment.objects.exists()
    assert client.post(f"{ADD}{theirs.pk}/delete/").status_code == 404


def test_out_of_scope_products_are_not_found(client, tee):  # noqa: F811
    comment = _comment(tee)
    user = member(roles.PRODUCT_EDITOR)
    category_grant(category=Category.objects.get(code="shoes"), user=user)
    client.force_login(user)
    assert client.post(ADD, {"text": "hi"}).status_code == 404
    assert client.post(f"{ADD}{comment.pk}/delete/").status_code == 404


def _queries(client) -> int:
    client.get(URL)  # warm the catalog memo
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_comments(client, tee):  # noqa: F811
    authors = [member(roles.PRODUCT_EDITOR, username=f"ed{n}") for n in range(4)]
    for n in range(2):
        _comment(tee, f"comment {n}", author=authors[n])
    client.force_login(authors[0])
    few = _queries(client)
    for n in range(2, 20):
        _comment(tee, f"comment {n}", author=authors[n % 4])
    many = _queries(client)
    assert client.get(URL).content.decode().count('class="pe-comment"') == 20
    assert many == few
