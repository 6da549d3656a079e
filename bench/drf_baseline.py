"""A baseline for the channel feed (issue #9), kept in bench/ only: the same payload as a
channel document (linking/services/document_build.py), made the straightforward DRF way — a
ModelSerializer over Product with nested serializers, prefetches, and DRF's CursorPagination —
at request time instead of served from stored documents.

What it shows per product, for one channel and locale: sku, family, parent, revision,
approved_at, categories {code, label}, values resolved for the channel × locale with the
parent's inherited (selects as {code, label}, prices in the channel's currencies), and the
media {role: [{asset, position, kind, alt, focal_point, renditions, srcset}]} of the product's
and its model's links. Not re-derived here: rights, approval of assets and readiness (the
stored document has them; computing them is the refresh's job), so the baseline does less
work than a fair live equivalent would.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from rest_framework import pagination, permissions, serializers
from rest_framework.generics import ListAPIView

from dam.models import Rendition
from governance.models import PublishedSnapshot, Term
from linking.models import ProductAssetLink
from pim.models import Product

SITE = "https://tessera.example.com"


class Pagination(pagination.CursorPagination):
    ordering = "pk"
    page_size_query_param = "limit"
    max_page_size = 1000


class RenditionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    format = serializers.CharField(source="profile.format")

    class Meta:
        model = Rendition
        fields = ["url", "width", "height", "format", "size"]

    def get_url(self, rendition):
        return f"{SITE}/media/{rendition.file}"


class LinkSerializer(serializers.ModelSerializer):
    asset = serializers.UUIDField(source="asset.uuid")
    kind = serializers.CharField(source="asset.kind")
    alt = serializers.SerializerMethodField()
    focal_point = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()
    srcset = serializers.SerializerMethodField()

    class Meta:
        model = ProductAssetLink
        fields = ["asset", "role", "position", "kind", "alt", "focal_point", "renditions", "srcset"]

    def get_alt(self, link):
        return (link.asset.alt_text or {}).get(self.context["locale"])

    def get_focal_point(self, link):
        if link.asset.focal_point_x is None:
            return None
        return {"x": link.asset.focal_point_x, "y": link.asset.focal_point_y}

    def _renditions(self, link):
        version = link.asset.current_version
        return list(version.renditions.all()) if version else []

    def get_renditions(self, link):
        return {
            r.profile.code: RenditionSerializer(r).data
            for r in self._renditions(link)
            if r.profile_id
        }

    def get_srcset(self, link):
        return ", ".join(
            f"{SITE}/media/{r.file} {r.width}w" for r in self._renditions(link) if r.width
        )


class FeedProductSerializer(serializers.ModelSerializer):
    family = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    revision = serializers.SerializerMethodField()
    approved_at = serializers.SerializerMethodField()
    categories = serializers.SerializerMethodField()
    values = serializers.SerializerMethodField()
    media = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "sku",
            "family",
            "parent",
            "revision",
            "approved_at",
            "categories",
            "values",
            "media",
        ]

    def get_revision(self, product):
        return product.snapshots[0].revision if product.snapshots else None

    def get_approved_at(self, product):
        return product.snapshots[0].approved_at.isoformat() if product.snapshots else None

    def get_categories(self, product):
        locale = self.context["locale"]
        return [{"code": c.code, "label": c.labels.get(locale)} for c in product.categories.all()]

    def get_values(self, product):
        channel, locale = self.context["channel"], self.context["locale"]
        scopes = (f"{channel}|{locale}", f"|{locale}", f"{channel}|", "|")
        merged = dict(product.parent.values) if product.parent_id else {}
        merged.update(product.values)
        attributes, terms = self.context["attributes"], self.context["terms"]
        shown = {}
        for code in sorted(merged):
            data = next((merged[code][s] for s in scopes if s in merged[code]), None)
            if data is None:
                continue
            attribute = attributes.get(code)
            if attribute is not None and attribute.vocabulary_id:
                labels = terms.get(attribute.vocabulary_id, {})
                if isinstance(data, list):
                    data = [{"code": t, "label": labels.get(t, {}).get(locale)} for t in data]
                else:
                    data = {"code": data, "label": labels.get(data, {}).get(locale)}
            elif attribute is not None and attribute.type == "price":
                data = [p for p in data if p.get("currency") in self.context["currencies"]]
            shown[code] = data
        return shown

    def get_media(self, product):
        links = list(product.asset_links.all())
        roles = {link.role for link in links}
        if product.parent_id:  # the model's links fill the roles the product has none of
            links += [link for link in product.parent.asset_links.all() if link.role not in roles]
        media = {}
        for link in sorted(links, key=lambda link: (link.role, link.position, link.pk)):
            media.setdefault(link.role, []).append(LinkSerializer(link, context=self.context).data)
        return media


def links_prefetch(prefix: str) -> Prefetch:
    return Prefetch(
        f"{prefix}asset_links",
        queryset=ProductAssetLink.objects.select_related(
            "asset", "asset__current_version"
        ).prefetch_related("asset__current_version__renditions__profile"),
    )


class FeedBaselineView(ListAPIView):
    """GET ?channel=&locale=&limit=: the channel's published products, serialized live."""

    serializer_class = FeedProductSerializer
    pagination_class = Pagination
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        snapshots = PublishedSnapshot.objects.filter(
            content_type=ContentType.objects.get_for_model(Product)
        )
        return (
            Product.objects.filter(pk__in=snapshots.values("object_id"))
            .select_related("family", "parent")
            .prefetch_related("categories", links_prefetch(""), links_prefetch("parent__"))
        )

    def get_serializer_context(self):
        from governance.models import Channel
        from pim.models import Attribute

        context = super().get_serializer_context()
        params = self.request.query_params
        channel = Channel.objects.prefetch_related("currencies").get(code=params["channel"])
        context.update(
            channel=channel.code,
            locale=params["locale"],
            currencies={c.code for c in channel.currencies.all()},
            attributes={a.code: a for a in Attribute.objects.all()},
            terms=terms_by_vocabulary(),
        )
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        snapshots = dict(
            PublishedSnapshot.objects.filter(
                content_type=ContentType.objects.get_for_model(Product),
                object_id__in=[p.pk for p in page],
            ).values_list("object_id", "pk")
        )
        rows = {
            s.object_id: s
            for s in PublishedSnapshot.objects.filter(pk__in=snapshots.values()).only(
                "object_id", "revision", "approved_at"
            )
        }
        for product in page:
            product.snapshots = [rows[product.pk]] if product.pk in rows else []
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


def terms_by_vocabulary() -> dict[int, dict[str, dict]]:
    terms: dict[int, dict[str, dict]] = {}
    for vocabulary_id, code, labels in Term.objects.values_list("vocabulary_id", "code", "labels"):
        terms.setdefault(vocabulary_id, {})[code] = labels
    return terms
