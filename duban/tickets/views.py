from django.http import HttpResponse


def inbox(request):
    return HttpResponse("")


def unit_list(request):
    return HttpResponse("")
