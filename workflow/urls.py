from portal.zones import Routes

app_name = "workflow"

routes = Routes()
