global using Platform.Scraper.Extensions;
