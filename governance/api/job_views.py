"""Background jobs: each principal follows the jobs they started (administrators any job)."""

from django.http import Http404, HttpResponseRedirect
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action

from governance.api.pagination import IdCursorPagination
from governance.jobs import job_file, job_file_url, jobs_of, jobs_visible
from governance.models import Job, JobState


class JobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id", "kind", "state", "parameters", "total", "processed", "progress", "report",
            "error", "created_at", "started_at", "finished_at",
        ]  # fmt: skip

    def get_progress(self, job) -> int | None:
        """Percent done (0–100), or null while the amount of work is not known yet."""
        if job.state == JobState.SUCCEEDED:
            return 100
        if not job.total:
            return None
        return min(100, job.processed * 100 // job.total)


class JobPagination(IdCursorPagination):
    ordering = "-id"  # newest first


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """`GET /jobs`: the caller's own jobs, newest first. `GET /jobs/{id}`: a job its starter (person
    or API key) or an administrator may follow; anyone else gets 404."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = JobSerializer
    pagination_class = JobPagination
    lookup_value_regex = r"\d+"
    queryset = Job.objects.none()  # for the schema; the real rows come from get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Job.objects.none()
        user = self.request.user
        return jobs_of(user) if self.action == "list" else jobs_visible(user)

    @action(detail=True, methods=["get"], url_path=r"files/(?P<index>\d+)")
    def files(self, request, pk=None, index=None):
        """`GET /jobs/{id}/files/{index}`: a redirect to a short-lived signed link to one of the
        files the job's report lists (an error file, an export)."""
        entry = job_file(job=self.get_object(), index=int(index))
        if entry is None:
            raise Http404("This job has no such file.")
        return HttpResponseRedirect(job_file_url(entry=entry))
