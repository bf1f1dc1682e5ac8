@echo off
rem ai-session-manager wrapper for {tool}. 'ai-session-manager setup' wrote it, and
rem 'ai-session-manager teardown' puts the original {tool} back.
setlocal
set "{tool_var}={tool}"
set "{real_var}={real}"
"{exe}" %*
exit /b %ERRORLEVEL%
