namespace Platform.E2E.Tests;
