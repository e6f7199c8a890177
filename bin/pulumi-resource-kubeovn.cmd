@ECHO off
REM The kubeovn provider plugin on Windows: Pulumi looks for pulumi-resource-kubeovn.exe or .cmd.
node "%~dp0pulumi-resource-kubeovn" %*
