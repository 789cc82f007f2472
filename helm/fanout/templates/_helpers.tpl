{{- define "fanout.name" -}}{{ .Release.Name }}-operator{{- end -}}
{{- define "fanout.serviceAccount" -}}{{ default (include "fanout.name" .) .Values.serviceAccount.name }}{{- end -}}
{{- define "fanout.labels" -}}
app.kubernetes.io/name: fanout-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
